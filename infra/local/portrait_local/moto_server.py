"""moto's threaded server, with S3's presigned POST checks in front (s3_post_policy),
PutEvents taken and delivered as EventBridge does when the stack delivers events
(put_events) and, when the stack has DynamoDB Local, its DynamoDB requests forwarded
there (dynamodb_local), telling `writes` which tables they changed (table_writes). In
front of them all, with an `authorizer`, the calls the functions sign are authorised
against their roles (iam.middleware)."""
from __future__ import annotations

from typing import Callable

from moto.moto_server.threaded_moto_server import MotoRequestHandler, ThreadedMotoServer
from moto.server import DomainDispatcherApplication, create_backend_app
from moto.sqs.models import sqs_backends
from werkzeug.serving import make_server

from portrait_local.dynamodb_local import DynamoDBForwarder
from portrait_local.event_delivery import EventDelivery
from portrait_local.iam.authorizer import Authorizer
from portrait_local.iam.middleware import IamMiddleware
from portrait_local.put_events import PutEventsMiddleware
from portrait_local.s3_post_policy import PostPolicyMiddleware
from portrait_local.table_writes import TableWrites


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend serves each service host: moto
    otherwise lists its own package folder (an isdir per service) and tries its URL
    patterns on every request, a tenth of a local stack's CPU."""

    def __init__(self, create_app) -> None:
        super().__init__(create_app)
        self._backends: dict[str | None, object] = {}

    def get_backend_for_host(self, host: str | None) -> object:
        try:
            return self._backends[host]
        except KeyError:  # called under the dispatcher's lock: one writer at a time
            backend = self._backends[host] = super().get_backend_for_host(host)
            return backend


def visible_messages(region: str) -> Callable[[str], int]:
    """How many messages a queue of this process's moto has visible (as ReceiveMessage
    would see them), by queue URL (…/ACCOUNT/NAME); 0 for a queue that is gone."""
    def count(queue_url: str) -> int:
        account, name = queue_url.rstrip("/").rsplit("/", 2)[-2:]
        queue = sqs_backends[account][region].queues.get(name)
        return 0 if queue is None else queue.approximate_number_of_messages

    return count


class PolicedMotoServer(ThreadedMotoServer):
    def __init__(self, *args, dynamodb: tuple[str, int, str | None] | None = None,
                 events: EventDelivery | None = None, writes: TableWrites | None = None,
                 authorizer: Authorizer | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._dynamodb, self._events, self._writes = dynamodb, events, writes
        self._authorizer = authorizer
        self.error: BaseException | None = None  # why the server did not come up

    def _server_entry(self) -> None:
        app = PostPolicyMiddleware(_Dispatcher(create_backend_app))
        if self._events:
            app = PutEventsMiddleware(app, self._events)
        if self._dynamodb:
            host, port, namespace = self._dynamodb
            app = DynamoDBForwarder(app, host, port, writes=self._writes, namespace=namespace)
        if self._authorizer:  # first: nothing behind it serves a call it refuses
            app = IamMiddleware(app, self._authorizer)
        try:
            self._server = make_server(self._ip_address, self._port, app, True,
                                       request_handler=MotoRequestHandler)
        except (OSError, SystemExit) as exc:  # werkzeug exits when the port is taken
            self.error = exc
            self._server_ready_event.set()  # start() waits on this: never for ever
            return
        self._server_ready_event.set()
        self._server.serve_forever()
