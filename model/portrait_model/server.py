"""SageMaker's serving contract for the model container: `serve` starts this on port
8080; GET /ping answers 503 while the weights load and 200 once they have, POST
/invocations renders one request document (portrait_model.handler). An asynchronous
endpoint sends one request at a time to each instance (MaxConcurrentInvocationsPerInstance
1: one GPU, one render).

The weights load once, in a thread started with the app, so SageMaker's pings are
answered at once however long that takes; a render runs in the server's thread pool,
so pings are answered during it too.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool

from portrait_model.handler import MAX_INPUT_BYTES, Model, Reader, handle

log = logging.getLogger("portrait_model")


class ModelLoader:
    """The model, loaded once (never twice at a time) in the background."""

    def __init__(self, load: Callable[[], Model]) -> None:
        self._load = load
        self._loaded = threading.Event()
        self._lock = threading.Lock()
        self._model: Model | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        threading.Thread(target=self._run, name="load-model", daemon=True).start()

    def _run(self) -> None:
        with self._lock:
            if self._loaded.is_set():
                return
            try:
                self._model = self._load()
            except BaseException as exc:  # noqa: BLE001 - reported by /ping, logged here
                log.exception("the model did not load")
                self.error = exc
            self._loaded.set()

    @property
    def ready(self) -> bool:
        return self._loaded.is_set() and self._model is not None

    def model(self) -> Model:
        """The model, waiting for the load if it is still under way."""
        self._run()  # loads here when start() was never called; else waits for the lock
        if self._model is None:
            raise RuntimeError(f"the model did not load: {self.error!r}")
        return self._model


def create_app(load_model: Callable[[], Model], read: Reader) -> FastAPI:
    loader = ModelLoader(load_model)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loader.start()
        yield

    app = FastAPI(title="portrait-model", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.loader = loader

    @app.get("/ping")
    def ping() -> Response:
        return Response(status_code=200 if loader.ready else 503)

    @app.post("/invocations")
    async def invocations(request: Request) -> Response:
        body = await request.body()
        model = await run_in_threadpool(loader.model)
        status, answer = await run_in_threadpool(handle, body, model, read)
        return Response(content=answer, status_code=status, media_type="application/json")

    return app


def model_from_environment() -> Model:
    import torch

    from portrait.rendering.likeness import LikenessPolicy
    from portrait_model.identity import InsightFaceEncoder
    from portrait_model.pipeline import PosePortraitPipeline
    from portrait_model.weights import local_path, weights_dir

    gpu = torch.cuda.is_available()
    threshold = float(os.environ.get("LIKENESS_THRESHOLD", "0.93"))
    attempts = int(os.environ.get("LIKENESS_ATTEMPTS", "3"))
    return Model(
        pipeline=PosePortraitPipeline.from_weights(weights_dir(), device="cuda" if gpu else "cpu"),
        identity=InsightFaceEncoder(local_path("face_analysis").parent.parent, gpu=gpu),
        likeness=LikenessPolicy(threshold=threshold, attempts=attempts, require_face=True))


def read_s3(uri: str) -> bytes:
    """An input's bytes. A missing object is the request's fault (FileNotFoundError: 400);
    any other S3 error is the endpoint's (500)."""
    import boto3
    from botocore.exceptions import ClientError

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not key:
        raise ValueError(f"not an s3:// location: {uri[:200]}")
    try:
        response = boto3.client("s3").get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchBucket"):
            raise FileNotFoundError(uri[:200]) from None
        raise
    body = response["Body"].read(MAX_INPUT_BYTES + 1)
    if not body or len(body) > MAX_INPUT_BYTES:
        raise ValueError(f"{uri[:200]} is empty or larger than {MAX_INPUT_BYTES} bytes")
    return body


app = create_app(model_from_environment, read_s3)
