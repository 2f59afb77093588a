"""The model container's tests run in .venv-model (torch, diffusers), with the domain
library from the common layer on the path, as the image has it (/opt/program)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "model"), str(ROOT / "layers" / "common" / "python"), str(ROOT)]
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # as in the image: nothing is fetched at run time
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
