"""`portrait web config` and `portrait web publish`: the web client's config.json, and
the client itself uploaded to a deployed stack's WebBucket (HostWebClient=true).

The pages never hard-code where the API is: they read config.json next to them.
`portrait dev` serves one made from its own ports; for a deployed stack, publish
writes one from the stack's ApiUrl output, uploads web/ and invalidates CloudFront.
"""
from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from pathlib import Path
from typing import Any, Iterator

CONFIG_NAME = "config.json"
# The files have no content hashes in their names, so browsers revalidate each load;
# CloudFront is invalidated on publish, so it never serves a stale copy for long.
CACHE_CONTROL = "no-cache"


def web_config(api_base_url: str) -> dict[str, str]:
    return {"apiBaseUrl": api_base_url.rstrip("/")}


def web_files(web_dir: Path) -> Iterator[tuple[str, Path, str]]:
    """(key, path, content type) for every file of the client, config.json excepted."""
    for path in sorted(p for p in web_dir.rglob("*") if p.is_file()):
        key = path.relative_to(web_dir).as_posix()
        if key == CONFIG_NAME or any(part.startswith(".") for part in path.parts):
            continue
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json",
                                                "image/svg+xml"):
            kind += "; charset=utf-8"
        yield key, path, kind


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def publish(web_dir: Path, outputs: dict[str, str], s3: Any, cloudfront: Any | None,
            *, say=print) -> str:
    """Upload the client and its config.json; returns the invalidation id ('' if none)."""
    missing = [k for k in ("ApiUrl", "WebBucketName") if k not in outputs]
    if missing:
        raise ValueError(f"the stack has no {', '.join(missing)} output: deploy it with "
                         "--parameter-overrides HostWebClient=true first")
    bucket = outputs["WebBucketName"]
    count = 0
    for key, path, kind in web_files(web_dir):
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=kind,
                      CacheControl=CACHE_CONTROL)
        count += 1
    config = web_config(outputs["ApiUrl"])
    s3.put_object(Bucket=bucket, Key=CONFIG_NAME, Body=json.dumps(config, indent=2).encode(),
                  ContentType="application/json; charset=utf-8", CacheControl="no-store")
    say(f"uploaded {count} files and {CONFIG_NAME} ({config['apiBaseUrl']}) to s3://{bucket}")
    if cloudfront is None or "WebDistributionId" not in outputs:
        return ""
    invalidation = cloudfront.create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]},
                           "CallerReference": f"portrait-web-{time.time_ns()}"})
    invalidation_id = invalidation["Invalidation"]["Id"]
    say(f"CloudFront invalidation {invalidation_id} started; the client is at "
        f"{outputs.get('WebUrl', '(see the WebUrl output)')}")
    if outputs.get("WebUrl"):
        say(f"make sure AllowedOrigins includes {outputs['WebUrl']}")
    return invalidation_id


def run_config(args: argparse.Namespace) -> int:
    text = json.dumps(web_config(args.api_url), indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def run_publish(args: argparse.Namespace) -> int:
    import boto3

    web_dir = Path(args.template).resolve().parent / "web"
    session = boto3.session.Session(region_name=args.region)
    try:
        outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
        publish(web_dir, outputs, session.client("s3"), session.client("cloudfront"))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def register_web(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("web", help="the web client: its config.json, and hosting it")
    web = p.add_subparsers(dest="web_command", required=True)
    config = web.add_parser("config", help="print the config.json for an API base URL")
    config.add_argument("--api-url", required=True, help="the API's base URL")
    config.add_argument("-o", "--output", help="write it to this file instead of stdout")
    config.set_defaults(handler=run_config)
    publish_parser = web.add_parser(
        "publish", help="upload web/ and its config.json to a stack deployed with "
                        "HostWebClient=true, then invalidate CloudFront")
    publish_parser.add_argument("--stack-name", required=True)
    publish_parser.add_argument("--region", help="the stack's region")
    publish_parser.add_argument("--template", default="template.yaml",
                                help="web/ is read next to this template")
    publish_parser.set_defaults(handler=run_publish)
