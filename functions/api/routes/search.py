"""/search, /search/suggest (public) and the reindex routes (admins)."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from portrait.search.port import MAX_PAGE_SIZE, MAX_QUERY_LENGTH, SearchQuery
from portrait.services.search import queries, rebuild
from schemas import api_responses, body_responses
from search_schemas import ReindexQueued, SearchPage, SuggestionReply
from security import BEARER, AdminClaims

router = Router()
TAGS = ["search"]

Text = Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="words to look for")]
Tags = Annotated[str, Query(max_length=1000, description="comma-separated: any of these tags",
                            examples=["react,flask"])]


def _tags(tags: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.strip().lower() for t in tags.split(",") if t.strip()))


@router.get("/search", tags=TAGS, summary="Search projects: title x3, owner x2, description",
            responses=api_responses(400, 503))
def search(query: Text = "", tags: Tags = "",
           page: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 1,
           size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
           cursor: Annotated[str | None, Query(max_length=200, description=(
               "a `next_cursor` (it names the next page; `page` is then ignored)"))] = None,
           ) -> SearchPage:
    return SearchPage.model_validate(queries.search_projects(
        SearchQuery(text=query.strip(), tags=_tags(tags), page=page, size=size), cursor))


@router.get("/search/suggest", tags=TAGS, responses=api_responses(503),
            summary="Up to 5 completions: the most frequent titles and tags, from any word start")
def suggest(query: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH)]
            ) -> list[SuggestionReply]:
    return [SuggestionReply.model_validate(s) for s in queries.suggest(query.strip())]


_REINDEX = dict(tags=["admin"], security=BEARER, status_code=202,
                responses=body_responses(401, 403, 503, success=202,
                                         description="Queued for IndexFunction"),
                summary="Rebuild the search index from the projects table (a fresh index, "
                        "then the alias switches; searches keep answering meanwhile)")


@router.post("/admin/search/reindex", **_REINDEX)
def reindex(claims: AdminClaims) -> ReindexQueued:
    return ReindexQueued.model_validate(rebuild.request_rebuild(claims["sub"]))


@router.post("/admin/reindex-projects", **{**_REINDEX, "summary": "The same (the portfolio clients' path)"})
def reindex_seed_path(claims: AdminClaims) -> ReindexQueued:
    return reindex(claims)
