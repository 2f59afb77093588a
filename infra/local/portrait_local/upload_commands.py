"""`portrait upload FILE`: the whole presigned POST an upload form asks for.

Every upload route (avatar, portfolio image, generation photo, batch) answers a form
(`url` and `fields`, under `upload` in the generation replies). S3 wants every field,
then the file, last, as multipart/form-data. This posts it and says what S3 answered:

    curl -s -X POST "$API/me/avatar/uploads" -H "Authorization: Bearer $TOKEN" \\
         -H 'Content-Type: application/json' -d '{"content_type": "image/jpeg"}' \\
      | .venv/bin/portrait upload photo.jpg
"""
from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path


class FormError(ValueError):
    pass


def find_form(reply: object) -> tuple[str, dict[str, str]]:
    """(url, fields) of the upload form in an API reply: at its top level, or under
    `upload` (POST /generations and /generations/batch)."""
    for candidate in (reply, reply.get("upload") if isinstance(reply, dict) else None):
        if isinstance(candidate, dict) and isinstance(candidate.get("url"), str) \
                and isinstance(candidate.get("fields"), dict):
            return candidate["url"], {str(k): str(v) for k, v in candidate["fields"].items()}
    raise FormError("no upload form in it: expected {\"url\", \"fields\"} (or under \"upload\"), "
                    "as POST /me/avatar/uploads, /media/uploads or /generations answer")


def multipart(fields: dict[str, str], file_name: str, content: bytes,
              content_type: str) -> tuple[bytes, str]:
    boundary = f"portrait-{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    safe_name = file_name.replace('"', "").replace("\r", "").replace("\n", "")
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{safe_name}"\r\nContent-Type: {content_type}\r\n\r\n'.encode())
    parts.append(content + f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def run_upload(args: argparse.Namespace) -> int:
    try:
        text = Path(args.form).read_text() if args.form else sys.stdin.read()
        url, fields = find_form(json.loads(text))
        content = Path(args.file).read_bytes()
    except (OSError, ValueError) as exc:  # FormError and JSON errors are ValueErrors
        print(f"portrait upload: {exc}", file=sys.stderr)
        return 2
    content_type = fields.get("Content-Type") or mimetypes.guess_type(args.file)[0] \
        or "application/octet-stream"
    body, form_type = multipart(fields, Path(args.file).name, content, content_type)
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": form_type})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        code = _s3_error(detail)
        print(f"portrait upload: S3 refused it: {exc.code} {code}".rstrip(), file=sys.stderr)
        return 1
    except urllib.error.URLError as exc:
        print(f"portrait upload: cannot reach {url}: {exc.reason}", file=sys.stderr)
        return 1
    print(f"uploaded {len(content)} bytes to {fields.get('key', url)} ({status})",
          file=sys.stderr)
    return 0


def _s3_error(document: str) -> str:
    """"EntityTooLarge: Your proposed upload exceeds the maximum allowed size" from S3's XML."""
    import re

    code = re.search(r"<Code>([^<]*)</Code>", document)
    message = re.search(r"<Message>([^<]*)</Message>", document)
    return ": ".join(m.group(1) for m in (code, message) if m)


def register_upload(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("upload", help="post a file with an upload form the API answered "
                                      "(read from stdin, or --form FILE)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="the image to upload")
    p.add_argument("--form", help="a file holding the API's reply (default: stdin)")
    p.set_defaults(handler=run_upload)
