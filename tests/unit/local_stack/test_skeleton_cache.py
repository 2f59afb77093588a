"""Pose skeletons kept on disk between local stacks: the same bytes as drawing them, drawn
once, and drawn again when anything that shapes the picture changes."""
from __future__ import annotations

from pathlib import Path

import pytest

from portrait.imaging.skeleton import render_skeleton_png
from portrait.poses.catalogue import generate_catalogue
from portrait_local import skeleton_cache
from portrait_local.skeleton_cache import cached_drawer


@pytest.fixture(scope="module")
def poses():
    return generate_catalogue()[:3]


def test_a_cached_skeleton_is_the_drawn_one_and_is_drawn_once(tmp_path: Path, poses,
                                                                monkeypatch) -> None:
    draw = cached_drawer(tmp_path)
    first = [draw(pose.keypoints) for pose in poses]
    assert first == [render_skeleton_png(pose.keypoints) for pose in poses]
    assert len(list(tmp_path.glob("*.png"))) == len(poses)
    assert not list(tmp_path.glob("*.tmp"))

    def never(_keypoints):
        raise AssertionError("drawn again")

    monkeypatch.setattr("portrait.imaging.skeleton.render_skeleton_png", never)
    again = cached_drawer(tmp_path)  # another stack, the same checkout
    assert [again(list(map(list, pose.keypoints))) for pose in poses] == first


def test_a_change_to_the_drawing_draws_again(tmp_path: Path, poses, monkeypatch) -> None:
    cached_drawer(tmp_path)(poses[0].keypoints)
    monkeypatch.setattr(skeleton_cache, "_drawing_version", lambda: "a new drawing")
    cached_drawer(tmp_path)(poses[0].keypoints)
    assert len(list(tmp_path.glob("*.png"))) == 2
