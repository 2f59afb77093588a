"""Style presets: how a portrait should look, chosen per generation.

Each preset is two things at once: a look for the local face renderer
(portrait.imaging.face_portrait draws it) and a prompt recipe for a model
renderer (prompt, negative prompt, guidance), so the same choice means the same
thing whichever renderer a stack runs. Three presets, the ones seed 003's phase 4
names and that image models answer well: a photograph, an illustration, anime.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StyleName = Literal["realistic", "illustration", "anime"]
DEFAULT_STYLE: StyleName = "realistic"


@dataclass(frozen=True)
class StylePreset:
    name: StyleName
    title: str
    description: str
    prompt: str  # {pose} is the pose's name
    negative_prompt: str
    guidance: float  # classifier-free guidance scale for a diffusion model

    def prompt_for(self, pose_name: str) -> str:
        return self.prompt.format(pose=pose_name)


_NEGATIVE = ("lowres, blurry, deformed face, extra fingers, extra limbs, bad anatomy, "
             "watermark, text, signature")

STYLES: dict[str, StylePreset] = {preset.name: preset for preset in (
    StylePreset(
        "realistic", "Realistic",
        "A studio photograph: natural skin and light, a soft backdrop.",
        "professional studio portrait photograph of the person, {pose}, soft key light, "
        "85mm lens, natural skin texture, detailed, sharp focus",
        _NEGATIVE + ", cartoon, illustration, painting, anime", 5.0),
    StylePreset(
        "illustration", "Illustration",
        "An editorial illustration: inked outlines, a few flat tones, paper-warm colours.",
        "editorial illustration of the person, {pose}, clean ink outlines, flat muted colours, "
        "gouache texture, warm paper background",
        _NEGATIVE + ", photograph, photorealistic, 3d render", 6.0),
    StylePreset(
        "anime", "Anime",
        "Cel-shaded anime: bold lines, bright flat colours, a graphic sky.",
        "anime style character portrait of the person, {pose}, cel shading, bold line art, "
        "vibrant colours, detailed eyes, clean background",
        _NEGATIVE + ", photograph, photorealistic, western comic", 7.0),
)}
STYLE_NAMES: tuple[str, ...] = tuple(STYLES)
