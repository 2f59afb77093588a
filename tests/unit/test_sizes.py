"""portrait.sizes: one table, read by the imaging code, the API and (through the API's
replies) the web client; importing it, or the imaging package, loads no Pillow."""
from __future__ import annotations

import subprocess
import sys

from portrait import sizes


def test_avatar_sizes_are_smallest_first_and_named_once() -> None:
    sides = list(sizes.AVATAR_SIZES.values())
    assert sides == sorted(sides) and len(set(sides)) == len(sides)
    assert sizes.DEFAULT_AVATAR_SIZE in sizes.AVATAR_SIZES
    assert sizes.avatar_sizes_text() == "64, 128, 256, 512 or 1024 pixels a side"


def test_the_imaging_code_encodes_the_table() -> None:
    from portrait.imaging import variants

    assert variants.AVATAR_SIZES is sizes.AVATAR_SIZES


def test_sizes_and_the_imaging_package_import_without_pillow() -> None:
    probe = ("import sys; import portrait.sizes, portrait.imaging; "
             "from portrait.services.avatars import views; "
             "assert 'PIL' not in sys.modules, sorted(m for m in sys.modules if 'PIL' in m)")
    subprocess.run([sys.executable, "-c", probe], check=True)


def test_the_imaging_package_still_hands_out_its_names() -> None:
    import portrait.imaging as imaging

    assert callable(imaging.make_variants) and callable(imaging.sniff)
    assert imaging.AVATAR_SIZES is sizes.AVATAR_SIZES
