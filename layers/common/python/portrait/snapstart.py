"""SnapStart runtime hooks: what one snapshot must not hand to every instance, and what
it should hold for them.

Lambda resumes every new instance of a SnapStart function from one snapshot of an
initialised one, so whatever init left in memory is shared by all of them
(docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html). A handler that runs
with SnapStart (template.yaml: ApiFunction) calls `register()` at import; the runtime
(its bundled `snapshot_restore_py`, pinned in the layer as well) then runs:

before the snapshot, `prime`: the AWS clients built (S3, DynamoDB and Secrets Manager, the
    latter under Powertools' secrets provider; and PynamoDB's, one per table model), so
    their service models and endpoint rules are in the snapshot rather than loaded by each
    instance's first requests (0.1-0.4 s a client on this machine);
after each restore, `refresh`:
  - the `random` module's generator reseeded from os.urandom. Nothing of ours draws
    from it (our jitter is SystemRandom, our ids os.urandom), but botocore's retry
    backoff and Powertools' log sampling do: unseeded, every restored instance would
    retry in step and sample the same requests;
  - python-ulid's monotonic state dropped: within one millisecond its generator
    increments the last ULID's random part instead of drawing a new one, and the
    snapshot's last (timestamp, randomness) would be every instance's;
  - the connection pools closed (boto3's, PynamoDB's; the clients stay): sockets
    opened before the snapshot are dead after a restore;
  - the Powertools Parameters cache emptied (the token key set, the webhook sealing
    key): read afresh rather than served from the snapshot until their max_age.
Credentials need nothing: a SnapStart function gets its role's credentials from the
container credentials endpoint, which botocore's refreshable provider re-reads before
they expire (environment variables frozen in the snapshot could not be refreshed).

PORTRAIT_SNAPSTART_HOOKS=off registers nothing: the local stack's test of restored
instances flips it to show what the hooks prevent. Read from the environment, not the
settings: the hooks must register even when the settings are invalid.
"""
from __future__ import annotations

import os
import random

DISABLE_VARIABLE = "PORTRAIT_SNAPSTART_HOOKS"
# The clients the API uses on most requests: presigned forms and URLs, the pose catalogue
# and idempotency records, the token key set (through Powertools' secrets provider).
PRIMED_SERVICES = ("s3", "dynamodb", "secretsmanager")

_registered = False


def prime() -> None:
    """Before the snapshot: build what every instance would otherwise build first."""
    from portrait.config import SettingsError
    from portrait.observability import logger
    from portrait.store import aws, models

    aws.prime_clients(PRIMED_SERVICES)
    aws.prime_secrets_provider()
    try:
        models.prime_connections(models.every_model())
    except SettingsError as exc:  # the API stays up on bad settings (/health says why)
        logger.warning("tables not primed for the snapshot", extra={"error": str(exc)})


def refresh() -> None:
    """After a restore: nothing random, no connection and no cached secret is shared
    with the other instances restored from the same snapshot."""
    import ulid

    from portrait.store import aws, models

    random.seed()  # from os.urandom
    ulid.default_generator = ulid.ULIDGenerator()
    aws.close_connections()
    models.close_connections()
    aws.forget_cached_parameters()


def register() -> bool:
    """Register the hooks once per process (a second call is a no-op); False when
    PORTRAIT_SNAPSTART_HOOKS=off."""
    global _registered
    if os.environ.get(DISABLE_VARIABLE, "").lower() == "off":
        return False
    if not _registered:
        from snapshot_restore_py import register_after_restore, register_before_snapshot

        register_before_snapshot(prime)
        register_after_restore(refresh)
        _registered = True
    return True
