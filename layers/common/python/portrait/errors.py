"""Domain errors. Each has a stable machine-readable code; the API maps the
classes to HTTP statuses in one table (functions/api/errors.py)."""
from __future__ import annotations

from typing import Any


class PortraitError(Exception):
    code = "error"
    # Names of `details` a client may see (the API adds them to the error body);
    # everything else in details is for logs only.
    exposed: tuple[str, ...] = ()

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class InvalidInput(PortraitError):
    code = "invalid_input"


class InvalidField(InvalidInput):
    """A request field's value the service refuses once the request's shape has passed
    (an image type it does not take): 422 like the shape's own checks, naming the field
    in `details` as they do, under its own code."""

    exposed = ("details",)

    def __init__(self, field: str, message: str, *, code: str) -> None:
        super().__init__(message, code=code,
                         details=[{"field": f"body.{field}", "message": message, "type": code}])


class Unauthorized(PortraitError):
    code = "unauthorized"


class Forbidden(PortraitError):
    code = "forbidden"


class NotFound(PortraitError):
    code = "not_found"


class Conflict(PortraitError):
    code = "conflict"


class Gone(PortraitError):
    code = "gone"


class InsufficientCredits(PortraitError):
    """402; the reply carries the balance and the cost, so a client can say how many are missing."""

    code = "insufficient_credits"
    exposed = ("balance", "cost")


class RateLimited(PortraitError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class NotConfigured(PortraitError):
    """A deployment step is missing (e.g. no signing key provisioned yet)."""

    code = "not_configured"


class Unavailable(PortraitError):
    """A service we depend on cannot answer right now (503 with Retry-After)."""

    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class ImageRejected(PortraitError):
    """An uploaded image failed validation. `code` is the machine-readable reason:
    unsupported_type, too_large, dimensions_too_small, dimensions_too_large,
    corrupt or decompression_bomb. `message` is the sentence users see (fixed per
    reason); `detail` says what exactly was wrong, for the logs only: it may name
    library internals."""

    code = "image_rejected"

    def __init__(self, reason: str, message: str, *, detail: str | None = None,
                 **details) -> None:
        super().__init__(message, code=reason, detail=detail or message, **details)
        self.reason = reason

    @property
    def detail(self) -> str:
        return self.details["detail"]


class RenderFailed(PortraitError):
    """A renderer produced no portrait. `reason` is machine-readable:
    content_filtered, model_error, invalid_response, invalid_input (permanent:
    record the failure and refund), or throttled, timeout, unavailable
    (`retryable` is True: let the queue redeliver the job)."""

    code = "render_failed"

    def __init__(self, reason: str, message: str, *, retryable: bool = False, **details) -> None:
        super().__init__(message, reason=reason, retryable=retryable, **details)
        self.reason = reason
        self.retryable = retryable
