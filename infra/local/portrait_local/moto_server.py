"""moto's threaded server, with S3's presigned POST checks in front (s3_post_policy) and,
when the stack has DynamoDB Local, its DynamoDB requests forwarded there (dynamodb_local)."""
from __future__ import annotations

from moto.moto_server.threaded_moto_server import MotoRequestHandler, ThreadedMotoServer
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from portrait_local.dynamodb_local import DynamoDBForwarder
from portrait_local.s3_post_policy import PostPolicyMiddleware


class PolicedMotoServer(ThreadedMotoServer):
    def __init__(self, *args, dynamodb: tuple[str, int] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._dynamodb = dynamodb

    def _server_entry(self) -> None:
        app = PostPolicyMiddleware(DomainDispatcherApplication(create_backend_app))
        if self._dynamodb:
            app = DynamoDBForwarder(app, *self._dynamodb)
        self._server = make_server(self._ip_address, self._port, app, True,
                                   request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
