"""Issue 14's memory bounds, measured: each case runs make_variants or make_media_images in
a fresh Python and reads the kernel's peak RSS (VmHWM) against the RSS just before the
call, once the interpreter, Pillow, portrait and the input bytes are loaded. Memory, not
time: the figures do not depend on how busy the machine is."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import threading
from functools import lru_cache
from pathlib import Path

import pytest
from PIL import Image

LAYER = Path(__file__).resolve().parents[3] / "layers" / "common" / "python"
MB = 1024 * 1024

_PROBE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from portrait.imaging import make_variants
    from portrait.imaging.media import make_media_images, media_limits
    from portrait.imaging.validate import Limits

    def status(field):
        with open("/proc/self/status") as lines:
            return next(int(l.split()[1]) * 1024 for l in lines if l.startswith(field + ":"))

    kind, path = sys.argv[1:3]
    data = Path(path).read_bytes()
    limits = Limits(max_bytes=64 * 2**20, max_side=8192, max_pixels=8192 * 6144)
    # The face detector's code (dlib and numpy: about 26 MB of RSS, once per process) is
    # loaded before the base: the bound is on what one image takes, not on code.
    from PIL import Image
    from portrait.imaging.faces import find_faces
    find_faces(Image.new("RGB", (64, 64)))
    base = status("VmRSS")
    if kind == "variants":
        make_variants(data, limits=limits, workers=2)
    else:
        make_media_images(data, limits=media_limits(64 * 2**20), workers=2)
    print(json.dumps({"over_base": status("VmHWM") - base}))
""")


def photo_like(size: tuple[int, int], mode: str) -> Image.Image:
    """Gradients and noise: a flat picture would compress (and decode) to nothing."""
    image = Image.merge("RGB", [Image.linear_gradient("L").resize(size),
                                Image.radial_gradient("L").resize(size),
                                Image.effect_noise(size, 60)])
    if mode == "RGBA":
        image.putalpha(Image.linear_gradient("L").rotate(90).resize(size))
    return image


# Fast encoder settings: what is measured is the decode and the work after it, which
# depend on the pixels, not on how hard the encoder tried (zlib level 1, a fast palette
# and libwebp's fastest method save 30 s of test time; the files decode to the same
# frames; WebP's method 0 encodes the 12 MP input in 0.8 CPU-s instead of 2.5).
_FAST = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90, "method": 0},
         "PNG": {"compress_level": 1}}


@lru_cache(maxsize=4)  # each input serves both kinds
def encoded(fmt: str, size: tuple[int, int], mode: str) -> bytes:
    out = io.BytesIO()
    image = photo_like(size, mode)
    if fmt == "GIF":
        image = image.quantize(256, method=Image.Quantize.FASTOCTREE)
    image.save(out, fmt, **_FAST.get(fmt, {}))
    return out.getvalue()


def peak_over_base(tmp_path: Path, kind: str, fmt: str, size: tuple[int, int],
                   mode: str = "RGB") -> int:
    source = tmp_path / f"source.{fmt.lower()}"
    source.write_bytes(encoded(fmt, size, mode))
    done = subprocess.run([sys.executable, "-c", _PROBE, kind, str(source)],
                          capture_output=True, text=True, timeout=240,
                          env={"PYTHONPATH": str(LAYER), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)["over_base"]


@pytest.mark.parametrize("kind", ["variants", "media"])
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_a_12_mp_opaque_input_of_any_format_peaks_within_64_mb(tmp_path, kind, fmt):
    # Transparent inputs: PNG variants below; a transparent WebP and transparent portfolio
    # images are over the bound by libwebp's own buffers (a full-size 32-bit buffer for a
    # lossless alpha plane; 59-65 MB to encode a 2000 x 1500 display with alpha; README,
    # "Imaging at the floor").
    assert peak_over_base(tmp_path, kind, fmt, (4000, 3000)) <= 64 * MB


def test_a_12_mp_transparent_png_s_variants_peak_within_64_mb(tmp_path):
    # One alpha encode at a time besides the largest (variants._render), and the decode's
    # freed pages handed back before the encodes (heap.py): 66 -> about 57 MB. That the
    # pages are handed back at all is checked below, without a margin to lean on.
    # A transparent WebP cannot: libwebp decodes its lossless alpha plane into a 32-bit
    # buffer of the full size (48 MB at 12 MP) whatever the scale asked for.
    assert peak_over_base(tmp_path, "variants", "PNG", (4000, 3000), "RGBA") <= 64 * MB


def test_a_4096_square_rgba_png_never_holds_two_full_frames(tmp_path):
    frame = 4096 * 4096 * 4
    assert peak_over_base(tmp_path, "variants", "PNG", (4096, 4096), "RGBA") < 2 * frame


_FRAGMENTED = textwrap.dedent("""
    import json
    from portrait.imaging.heap import release_free_memory

    def rss():
        with open("/proc/self/status") as lines:
            return next(int(l.split()[1]) * 1024 for l in lines if l.startswith("VmRSS:"))

    # 1,600 blocks of 64 KB (under glibc's mmap threshold: they live in the heap), every
    # other one freed: 50 MB of free chunks between live ones, which free() cannot trim.
    blocks = [bytearray(64 * 1024) for _ in range(1600)]
    del blocks[::2]
    before = rss()
    released = release_free_memory()
    print(json.dumps({"released": released, "dropped": before - rss()}))
""")


def test_freed_heap_pages_between_live_blocks_go_back_to_the_kernel():
    done = subprocess.run([sys.executable, "-c", _FRAGMENTED], capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(LAYER), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["released"] is True  # glibc, as on Lambda
    assert result["dropped"] >= 30 * MB


@pytest.mark.parametrize("mode, releases", [("RGBA", 2), ("RGB", 0)])
def test_freed_pages_are_handed_back_around_a_transparent_avatar_s_encodes(
        monkeypatch, mode, releases):
    from portrait.imaging import variants

    calls = []
    monkeypatch.setattr(variants, "release_free_memory", lambda: calls.append(1) or True)
    image = photo_like((400, 300), mode)
    image.info = {}
    out = io.BytesIO()
    image.save(out, "PNG")
    variants.make_variants(out.getvalue(), workers=2)
    assert len(calls) == releases  # before the encodes and after them; opaque: never


def test_with_transparency_one_webp_encode_runs_in_the_pool_the_largest(monkeypatch):
    from portrait.imaging import variants

    pooled = {}
    encode = variants._encode

    def recording(image, fmt, settings):
        pooled[(image.width, fmt)] = threading.current_thread().name.startswith("encode")
        return encode(image, fmt, settings)

    monkeypatch.setattr(variants, "_encode", recording)
    image = photo_like((400, 300), "RGBA")
    image.info = {}
    out = io.BytesIO()
    image.save(out, "PNG")
    # JPEG first: the pool must still get the largest WebP, not the small flattened JPEG.
    variants.make_variants(out.getvalue(), formats=("jpeg", "webp"), workers=2)
    assert [key for key, in_pool in pooled.items() if in_pool and key[1] == "webp"] == [
        (300, "webp")]
    assert all(in_pool for (_, fmt), in_pool in pooled.items() if fmt == "jpeg")
