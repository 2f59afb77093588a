"""SageMaker's serving contract for the model container: `serve` starts this on port
8080; GET /ping answers 200 once the model is loaded, POST /invocations renders one
request document (portrait_model.handler). An asynchronous endpoint sends one request
at a time to each instance (MaxConcurrentInvocationsPerInstance 1: one GPU, one render).
"""
from __future__ import annotations

import os
from functools import lru_cache

from fastapi import FastAPI, Request, Response

from portrait_model.handler import MAX_INPUT_BYTES, Model, Reader, handle


def create_app(load_model, read: Reader) -> FastAPI:
    app = FastAPI(title="portrait-model", docs_url=None, redoc_url=None)

    @app.get("/ping")
    def ping() -> Response:
        load_model()  # the first ping loads the weights; SageMaker waits for a 200
        return Response(status_code=200)

    @app.post("/invocations")
    async def invocations(request: Request) -> Response:
        status, body = handle(await request.body(), load_model(), read)
        return Response(content=body, status_code=status, media_type="application/json")

    return app


@lru_cache(maxsize=1)
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
