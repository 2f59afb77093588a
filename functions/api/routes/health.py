"""/health: 200 when settings, table and bucket are fine; 503 naming what failed.
Either way it names the version answering, and the storage totals as last listed."""
from __future__ import annotations

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from portrait.services.health import check_health
from admin_schemas import StorageCounts
from schemas import CatalogueProgress, Health

router = Router()


@router.get("/health", tags=["ops"], summary="Settings valid, table and bucket reachable",
            responses={200: {"description": "All checks passed"},
                       503: {"description": "A check failed",
                             "content": {"application/json": {"model": Health}}}})
def health() -> Response[Health]:
    report = check_health()
    catalogue = report.catalogue and CatalogueProgress(
        seeded=report.catalogue.seeded, expected=report.catalogue.expected,
        complete=report.catalogue.complete)
    storage = report.storage and StorageCounts.model_validate(report.storage)
    body = Health(status="ok" if report.healthy else "fail", version=report.version,
                  checks=report.checks, catalogue=catalogue or None, storage=storage or None)
    return Response(status_code=200 if report.healthy else 503,
                    content_type=content_types.APPLICATION_JSON,
                    body=body.model_dump(), headers={"Cache-Control": "no-store"})
