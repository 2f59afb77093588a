"""The model container's code on CPU: the pipeline's real classes with tiny random
weights, fed a real pose map (the catalogue's skeleton drawing) and a real face
embedding, answering through the render contract and SageMaker's serving contract.

Tiny random weights draw noise, never a face: with the likeness check on, every render
fails it, which is how a mismatched face is seen to fail after N tries here. The check
is turned off (likeness=None) where a test is about the image itself."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws
from PIL import Image

from portrait.imaging.faces import find_faces
from portrait.imaging.skeleton import render_skeleton_png
from portrait.poses.catalogue import generate_catalogue
from portrait.rendering.contract import RenderJob
from portrait.rendering.results import RenderError, RenderOutput
from portrait.rendering.likeness import LikenessPolicy
from portrait.styles import STYLES
from portrait_model.handler import Model, handle
from portrait_model.identity import DlibEncoder
from portrait_model.server import create_app, read_s3
from tests.unit.faces import photos

import tiny  # model/tests, on the path as the test files' folder

BUCKET = "portrait-test-media"
MODEL = Path(__file__).resolve().parents[1]
SAMPLES = MODEL.parent / "test-artifacts" / "model"


@pytest.fixture(scope="module")
def pipeline():
    return tiny.pipeline(DlibEncoder.dimensions)


@pytest.fixture()
def bucket():
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        yield s3


def _job(s3, quality: str = "sd", style: str = "realistic", seed: int = 1234) -> RenderJob:
    pose = generate_catalogue()[0]
    photo = photos.photo("astronaut")
    [face] = find_faces(photo, side=1024)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    s3.put_object(Bucket=BUCKET, Key="generations/u1/g1/input.jpg", Body=out.getvalue())
    keypoints = [list(p) for p in pose.keypoints]
    s3.put_object(Bucket=BUCKET, Key=f"poses/{pose.pose_id}.png",
                  Body=render_skeleton_png(keypoints, 512))
    preset = STYLES[style]
    return RenderJob.model_validate({
        "generation_id": "g1", "photo": f"s3://{BUCKET}/generations/u1/g1/input.jpg",
        "face": {"left": face.left, "top": face.top, "right": face.right, "bottom": face.bottom},
        "pose": {"pose_id": pose.pose_id, "name": pose.name,
                 "skeleton": f"s3://{BUCKET}/poses/{pose.pose_id}.png", "keypoints": keypoints},
        "style": {"name": preset.name, "prompt": preset.prompt_for(pose.name),
                  "negative_prompt": preset.negative_prompt, "guidance": preset.guidance},
        "quality": quality, "seed": seed})


def _keep(name: str, document: bytes) -> None:
    """A sample of what the container handled, for people to read (test-artifacts/)."""
    SAMPLES.mkdir(parents=True, exist_ok=True)
    data = json.loads(document)
    if "image_png" in data:
        data["image_png"] = f"<{len(data['image_png'])} base64 characters>"
    (SAMPLES / name).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@pytest.mark.parametrize("quality, side", [("sd", 512), ("hd", 1024)])
def test_a_render_answers_a_png_of_the_requested_size_through_the_contract(pipeline, bucket,
                                                                            quality, side):
    job = _job(bucket, quality=quality)
    body = job.model_dump_json().encode()
    status, answer = handle(body, Model(pipeline, DlibEncoder(), likeness=None), read_s3)
    assert status == 200, answer
    output = RenderOutput.model_validate_json(answer)
    image = Image.open(io.BytesIO(output.image_png))
    assert (image.format, image.size, image.mode) == ("PNG", (side, side), "RGB")
    assert (output.width, output.height, output.renderer) == (side, side, "model")
    assert output.model == "tiny-random-sdxl-openpose-faceid"
    assert output.seed == job.seed and output.likeness is None
    _keep(f"request-{quality}.json", body)
    _keep(f"response-{quality}.json", answer)


def test_the_face_adapter_and_its_lora_are_loaded(pipeline):
    """IP-Adapter FaceID's LoRA is applied (through PEFT), not dropped with a warning."""
    unet = pipeline.pipe.unet
    assert "faceid_0" in getattr(unet, "peft_config", {})
    assert type(unet.encoder_hid_proj).__name__ == "MultiIPAdapterImageProjection"


def test_the_same_seed_draws_the_same_portrait_and_another_seed_another(pipeline, bucket):
    model = Model(pipeline, DlibEncoder(), likeness=None)
    first = handle(_job(bucket, seed=7).model_dump_json().encode(), model, read_s3)[1]
    again = handle(_job(bucket, seed=7).model_dump_json().encode(), model, read_s3)[1]
    other = handle(_job(bucket, seed=8).model_dump_json().encode(), model, read_s3)[1]
    png = [RenderOutput.model_validate_json(a).image_png for a in (first, again, other)]
    assert png[0] == png[1] != png[2]


def test_the_face_embedding_and_the_pose_map_reach_the_model(pipeline, bucket):
    """The output depends on both conditioning inputs: another face or no pose changes it."""
    job = _job(bucket)
    photo = Image.open(io.BytesIO(read_s3(job.photo))).convert("RGB")
    pose_map = Image.open(io.BytesIO(read_s3(job.pose.skeleton)))
    [face] = find_faces(photo, side=1024)
    identity = DlibEncoder().encode(photo, face)
    [other_face] = find_faces(photos.photo("grace_hopper"), side=1024)
    other = DlibEncoder().encode(photos.photo("grace_hopper"), other_face)

    def draw(identity, pose_map):
        return pipeline.draw(pose_map=pose_map, identity=identity, prompt=job.style.prompt,
                             negative_prompt=job.style.negative_prompt,
                             guidance=job.style.guidance, side=512, seed=3).tobytes()

    base = draw(identity, pose_map)
    assert draw(other, pose_map) != base
    assert draw(identity, Image.new("RGB", pose_map.size)) != base


def test_a_face_that_does_not_match_fails_after_n_tries_with_other_seeds(pipeline, bucket):
    seeds = []
    original = pipeline.draw

    def counted(**kwargs):
        seeds.append(kwargs["seed"])
        return original(**kwargs)

    pipeline.draw = counted
    try:
        policy = LikenessPolicy(threshold=0.93, attempts=2, require_face=True)
        status, answer = handle(_job(bucket).model_dump_json().encode(),
                                Model(pipeline, DlibEncoder(), likeness=policy), read_s3)
    finally:
        del pipeline.draw
    assert status == 422  # the model worked; the portrait did not come out alike
    error = RenderError.model_validate_json(answer)
    assert error.reason == "likeness_too_low" and "after 2 tries" in error.message
    assert len(seeds) == 2 and seeds[0] == 1234 and seeds[1] != 1234
    _keep("response-likeness-failed.json", answer)


def test_the_server_speaks_sagemakers_contract(pipeline, bucket):
    loads = []

    def load():
        loads.append(1)
        return Model(pipeline, DlibEncoder(), likeness=None)

    app = create_app(load, read_s3)
    with TestClient(app) as client:  # the lifespan starts the load in the background
        loader = app.state.loader
        assert client.get("/ping").status_code in (200, 503)  # answered while loading
        loader.model()  # waits for the load
        assert client.get("/ping").status_code == 200 and loads == [1]
        _invoke_and_check(client, bucket)
    assert loads == [1]  # loaded once, however many pings and invocations


def test_a_model_that_does_not_load_fails_its_pings(bucket):
    def broken():
        raise RuntimeError("no weights")

    app = create_app(broken, read_s3)
    with TestClient(app) as client:
        with pytest.raises(RuntimeError):
            app.state.loader.model()
        assert client.get("/ping").status_code == 503


def _invoke_and_check(client, bucket):
    reply = client.post("/invocations", content=_job(bucket).model_dump_json(),
                        headers={"content-type": "application/json"})
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
    assert RenderOutput.model_validate_json(reply.content).width == 512
    bad = client.post("/invocations", content=b'{"generation_id": "g1"}')
    assert bad.status_code == 400
    assert RenderError.model_validate_json(bad.content).reason == "request_unusable"
    missing = _job(bucket).model_copy(update={"photo": f"s3://{BUCKET}/nothing-here.jpg"})
    gone = client.post("/invocations", content=missing.model_dump_json())
    assert gone.status_code == 400


def test_the_weights_are_pinned_by_revision_and_the_pins_agree():
    manifest = json.loads((MODEL / "weights.json").read_text())
    for name, repo in manifest["repositories"].items():
        assert re.fullmatch(r"[0-9a-f]{40}", repo["revision"]), name
        assert repo["allow"], f"{name}: fetch only the files the pipeline loads"
    for name, archive in manifest["archives"].items():
        assert re.fullmatch(r"[0-9a-f]{64}", archive["sha256"]), name

    def pins(file):
        lines = (line.split("#")[0].strip() for line in (MODEL / file).read_text().splitlines())
        return dict(line.split("==") for line in lines if "==" in line)

    image, cpu = pins("requirements.txt"), pins("requirements-cpu.txt")
    shared = set(image) & set(cpu)
    assert {"torch", "diffusers", "transformers", "peft", "dlib-bin",
            "face_recognition_models"} <= shared
    assert {name: image[name] for name in shared} == {name: cpu[name] for name in shared}
