"""The health check: are the settings valid, and can we reach the table and the bucket?
It also says which version answers, so a deploy can be checked for having landed."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from portrait import __version__
from portrait.config import SettingsError, get_settings
from portrait.observability import logger
from portrait.services.counts.reading import StorageCounts, storage_counts
from portrait.store import health, poses


@dataclass(frozen=True)
class CatalogueProgress:
    """The pose catalogue: how many of how many poses are stored (all, once seeded)."""
    seeded: int
    expected: int

    @property
    def complete(self) -> bool:
        return self.seeded >= self.expected


@lru_cache(maxsize=1)
def _catalogue_size() -> int:
    # Imported here: generating the catalogue (about 0.1 s, once a container) is needed
    # by /health alone, never for the rest of the API.
    from portrait.poses.catalogue import generate_catalogue

    return len(generate_catalogue())


def catalogue_progress() -> CatalogueProgress:
    """Seeding runs beside a fresh stack: how far it got (all of it, once done)."""
    return CatalogueProgress(poses.catalogue_poses_stored(), _catalogue_size())


@dataclass(frozen=True)
class HealthReport:
    checks: dict[str, str]  # check name -> "ok", "skipped" or what failed
    version: str = __version__
    catalogue: CatalogueProgress | None = None  # None when the table cannot be read
    storage: StorageCounts | None = None  # None when the counts table cannot be read

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
    try:
        progress = catalogue_progress() if checks["table"] == "ok" else None
    except Exception:  # noqa: BLE001 - the poses table unreadable: say so, do not fail /health
        progress = None
    return HealthReport(checks, catalogue=progress, storage=_storage())


def _storage() -> StorageCounts | None:
    """Seed 001's storage statistics: the stored totals (one GetItem), informational."""
    try:
        return storage_counts()
    except Exception:  # noqa: BLE001 - the counts unreadable: say so, do not fail /health
        logger.warning("storage totals unreadable for /health", exc_info=True)
        return None
