"""The model weights: which repositories at which revisions (../weights.json), fetched
when the image is built and read from disk at run time (HF_HUB_OFFLINE=1)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

MANIFEST = Path(__file__).resolve().parent.parent / "weights.json"


def weights_dir() -> Path:
    return Path(os.environ.get("WEIGHTS_DIR", "/opt/ml/weights"))


def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def local_path(name: str, root: Path | None = None) -> Path:
    """Where a repository or archive of the manifest lives once fetched."""
    entry = manifest()["archives"].get(name)
    return (root or weights_dir()) / (entry["into"] if entry else name)


def fetch_all(root: Path) -> None:
    """Download every repository at its pinned revision and every archive, checked
    against its sha256. Run by the Dockerfile; never by the server."""
    from huggingface_hub import snapshot_download

    spec = manifest()
    for name, repo in spec["repositories"].items():
        snapshot_download(repo_id=repo["repo"], revision=repo["revision"],
                          allow_patterns=repo["allow"], local_dir=root / name)
    for name, archive in spec["archives"].items():
        _fetch_archive(archive, local_path(name, root))


def _fetch_archive(archive: dict, into: Path) -> None:
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(suffix=".zip") as file:
        with urllib.request.urlopen(archive["url"], timeout=600) as response:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                file.write(chunk)
        if digest.hexdigest() != archive["sha256"]:
            raise RuntimeError(f"{archive['url']}: sha256 {digest.hexdigest()}, "
                               f"expected {archive['sha256']}")
        file.flush()
        shutil.rmtree(into, ignore_errors=True)
        into.mkdir(parents=True)
        with zipfile.ZipFile(file.name) as zipped:
            for member in zipped.infolist():  # flat: the pack's .onnx files, no paths
                if member.filename.endswith(".onnx"):
                    (into / Path(member.filename).name).write_bytes(zipped.read(member))


if __name__ == "__main__":  # `python -m portrait_model.weights` in the Dockerfile
    fetch_all(weights_dir())
