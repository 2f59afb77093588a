"""Lost write races as the API sees them: the store's retryable Conflict, if any.

The HTTP edge maps errors to replies but must not reach into the store (DESIGN §2);
this is its door to store.contention, which knows botocore's and PynamoDB's errors."""
from __future__ import annotations

from portrait.store.contention import conflict_for

__all__ = ["conflict_for"]
