"""The health check: are the settings valid, and can we reach the table and the bucket?"""
from __future__ import annotations

from dataclasses import dataclass

from portrait.config import SettingsError, get_settings
from portrait.store import health


@dataclass(frozen=True)
class HealthReport:
    checks: dict[str, str]  # check name -> "ok", "skipped" or what failed

    @property
    def healthy(self) -> bool:
        return all(result == "ok" for result in self.checks.values())


def check_health() -> HealthReport:
    try:
        settings = get_settings()
    except SettingsError as exc:
        # Without settings there is no table or bucket name to probe.
        return HealthReport({"settings": str(exc), "table": "skipped", "bucket": "skipped"})
    return HealthReport({
        "settings": "ok",
        "table": health.table_problem(settings.users_table) or "ok",
        "bucket": health.bucket_problem(settings.media_bucket) or "ok",
    })
