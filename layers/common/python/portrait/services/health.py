"""The health check: are the settings valid, and can we reach the table and the bucket?
It also says which version answers, so a deploy can be checked for having landed."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from portrait import __version__
from portrait.config import SettingsError, get_settings
from portrait.store import health, poses


@dataclass(frozen=True)
class CatalogueProgress:
    """The pose catalogue while it is being seeded: how many of how many poses are stored."""
    seeded: int
    expected: int


@lru_cache(maxsize=1)
def _catalogue_size() -> int:
    # Imported here: generating the catalogue (about 0.1 s, once a container) is only
    # needed while seeding is incomplete, never for the rest of the API.
    from portrait.poses.catalogue import generate_catalogue

    return len(generate_catalogue())


def catalogue_progress() -> CatalogueProgress | None:
    """Seeding runs beside a fresh stack; until it is done, say how far it got."""
    seeded = poses.catalogue_poses_stored()
    expected = _catalogue_size()
    return None if seeded >= expected else CatalogueProgress(seeded, expected)


@dataclass(frozen=True)
class HealthReport:
    checks: dict[str, str]  # check name -> "ok", "skipped" or what failed
    version: str = __version__
    catalogue: CatalogueProgress | None = None  # None once the whole catalogue is stored

    @property
    def healthy(self) -> bool:
        return all(result == "ok" for result in self.checks.values())


def check_health() -> HealthReport:
    try:
        settings = get_settings()
    except SettingsError as exc:
        # Without settings there is no table or bucket name to probe.
        return HealthReport({"settings": str(exc), "table": "skipped", "bucket": "skipped"})
    checks = {
        "settings": "ok",
        "table": health.table_problem(settings.users_table) or "ok",
        "bucket": health.bucket_problem(settings.media_bucket) or "ok",
    }
    # Informational, never a failure: the API serves while the catalogue fills in.
    progress = catalogue_progress() if checks["table"] == "ok" else None
    return HealthReport(checks, catalogue=progress)
