"""botocore's service data (service models, endpoint rules, endpoints.json), parsed once a
process and shared by every botocore session here.

Each boto3 client (store.aws) and each PynamoDB table connection (store.models) has a
session of its own: a session is not thread-safe (its clients are), and each keeps its
credentials. But a new session also parses botocore's data anew, ~75-200 ms of CPU a
client: a function paid it again for every client and every table it first used. The
loader holds only what botocore ships (no credentials, no sockets), so it is also safe in
a SnapStart snapshot. botocore only: importing this does not import boto3.
"""
from __future__ import annotations

import botocore.loaders
import botocore.session

_loader: botocore.loaders.Loader | None = None


def new_session() -> botocore.session.Session:
    """A botocore session of its own that reads the service data through the process's one
    loader."""
    global _loader
    if _loader is None:
        _loader = botocore.loaders.create_loader()
    session = botocore.session.get_session()
    session.register_component("data_loader", _loader)
    return session
