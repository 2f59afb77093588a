"""The version /health reports is the project's."""
from __future__ import annotations

import tomllib
from pathlib import Path

import portrait


def test_the_library_version_is_pyprojects() -> None:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    assert portrait.__version__ == tomllib.loads(pyproject.read_text())["project"]["version"]
