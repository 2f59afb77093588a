"""/projects and /users/{user_id}/projects: portfolio projects (the portfolio clients' routes too)."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from portfolio_schemas import MediaPage, ProjectDeleted, ProjectPage, ProjectReply
from portrait.services.portfolio import media, projects
from portrait.services.portfolio.projects import CoverChoice, ProjectCreate, ProjectUpdate
from schemas import ULID_PATTERN, UserIdPath, api_responses, body_responses
from security import BEARER, CurrentClaims

router = Router()
TAGS = ["projects"]

ProjectId = Annotated[str, Path(pattern=ULID_PATTERN, description="a project id (ULID)")]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]


@router.post("/projects", status_code=201, tags=TAGS, security=BEARER,
             summary="Create a project",
             responses=body_responses(401, success=201, description="The new project (409 "
                                      "project_limit_reached at the per-user cap)"))
def create(body: ProjectCreate, claims: CurrentClaims) -> ProjectReply:
    return ProjectReply.model_validate(projects.create_project(claims["sub"], body))


@router.get("/projects/<project_id>", tags=TAGS, summary="A project (public)",
            responses=api_responses(404))
def get_one(project_id: ProjectId) -> ProjectReply:
    return ProjectReply.model_validate(projects.get_project(project_id))


@router.get("/users/<user_id>/projects", tags=TAGS, summary="A user's projects, newest first",
            responses=api_responses(400, 404))
def list_for_user(user_id: UserIdPath, limit: Limit = 20, cursor: Cursor = None) -> ProjectPage:
    return ProjectPage.model_validate(projects.list_user_projects(user_id, limit=limit,
                                                                  cursor=cursor))


@router.get("/projects/user/<user_id>", tags=TAGS,
            summary="A user's projects, newest first (the portfolio clients' path)",
            responses=api_responses(400, 404))
def list_for_user_seed_path(user_id: UserIdPath, limit: Limit = 20,
                            cursor: Cursor = None) -> ProjectPage:
    return list_for_user(user_id, limit, cursor)


_UPDATE_RESPONSES = body_responses(401, 403, 404, description="The project as changed")


@router.patch("/projects/<project_id>", tags=TAGS, security=BEARER,
              summary="Change a project: only the fields sent (null clears)",
              responses=_UPDATE_RESPONSES)
def update(project_id: ProjectId, body: ProjectUpdate, claims: CurrentClaims) -> ProjectReply:
    return ProjectReply.model_validate(projects.update_project(claims["sub"], project_id, body))


@router.put("/projects/<project_id>", tags=TAGS, security=BEARER,
            summary="Change a project (the portfolio clients' verb; the same partial update as PATCH)",
            responses=_UPDATE_RESPONSES)
def update_seed_verb(project_id: ProjectId, body: ProjectUpdate,
                     claims: CurrentClaims) -> ProjectReply:
    return update(project_id, body, claims)


@router.delete("/projects/<project_id>", tags=TAGS, security=BEARER,
               summary="Delete a project; its images are removed shortly after",
               responses=body_responses(401, 403, 404))
def delete(project_id: ProjectId, claims: CurrentClaims) -> ProjectDeleted:
    projects.delete_project(claims["sub"], project_id)
    return ProjectDeleted(project_id=project_id)


@router.put("/projects/<project_id>/thumbnail", tags=TAGS, security=BEARER,
            summary="Choose the project's cover among its ready images",
            responses=body_responses(401, 403, 404))
def choose_cover(project_id: ProjectId, body: CoverChoice, claims: CurrentClaims) -> ProjectReply:
    return ProjectReply.model_validate(projects.choose_cover(claims["sub"], project_id, body))


@router.get("/projects/<project_id>/media", tags=TAGS,
            summary="A project's ready images, newest first (public)",
            responses=api_responses(400, 404))
def project_media(project_id: ProjectId, limit: Limit = 20, cursor: Cursor = None) -> MediaPage:
    return MediaPage.model_validate(media.list_project_media(project_id, limit=limit,
                                                             cursor=cursor))
