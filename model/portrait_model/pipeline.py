"""The portrait model: SDXL, posed by an OpenPose ControlNet (the pose's skeleton, drawn
in OpenPose's colours), the face through IP-Adapter FaceID (a face-analysis embedding
in place of CLIP image tokens), and the style preset's prompt recipe.

Built from the fetched weights in the image, or from components: the CPU test builds
the same classes from configs with tiny random weights, as diffusers' own tests do.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

# SDXL draws its best at about a megapixel and poorly under 768 px: an SD (512) portrait
# is drawn at 768 and reduced; HD (1024) at its own size. Steps per output side.
DRAW_SIDES = {512: 768, 1024: 1024}
STEPS = {512: 20, 1024: 30}
FACE_ADAPTER_FILE = "ip-adapter-faceid_sdxl.bin"


@dataclass
class PosePortraitPipeline:
    pipe: object  # diffusers.StableDiffusionXLControlNetPipeline with a FaceID adapter
    model_id: str
    face_scale: float = 0.8  # the adapter's weight against the prompt
    pose_scale: float = 0.9  # the ControlNet's weight: how strictly the pose is kept
    steps: dict[int, int] = field(default_factory=lambda: dict(STEPS))
    draw_sides: dict[int, int] = field(default_factory=lambda: dict(DRAW_SIDES))

    @classmethod
    def from_weights(cls, root: Path, *, device: str = "cuda") -> PosePortraitPipeline:
        import torch
        from diffusers import AutoencoderKL, ControlNetModel, StableDiffusionXLControlNetPipeline

        dtype = torch.float16 if device == "cuda" else torch.float32
        vae = AutoencoderKL.from_pretrained(root / "vae", torch_dtype=dtype)
        controlnet = ControlNetModel.from_pretrained(root / "pose_controlnet", torch_dtype=dtype)
        pipe = StableDiffusionXLControlNetPipeline.from_pretrained(
            root / "base", vae=vae, controlnet=controlnet, torch_dtype=dtype, variant="fp16")
        pipe.load_ip_adapter(str(root / "face_adapter"), subfolder="",
                             weight_name=FACE_ADAPTER_FILE, image_encoder_folder=None)
        return cls.ready(pipe.to(device), model_id=os.environ.get("MODEL_ID", "sdxl-openpose-faceid"))

    @classmethod
    def ready(cls, pipe, **options) -> PosePortraitPipeline:
        made = cls(pipe=pipe, **options)
        pipe.set_ip_adapter_scale(made.face_scale)
        pipe.set_progress_bar_config(disable=True)
        return made

    def draw(self, *, pose_map: Image.Image, identity: np.ndarray, prompt: str,
             negative_prompt: str, guidance: float, side: int, seed: int) -> Image.Image:
        """One portrait, `side` pixels square."""
        import torch

        unet = self.pipe.unet
        draw_side = self.draw_sides.get(side, side)
        embedding = torch.from_numpy(np.asarray(identity, dtype=np.float32)).reshape(1, 1, 1, -1)
        if guidance > 1:  # classifier-free guidance: the unconditioned half has no face
            embedding = torch.cat([torch.zeros_like(embedding), embedding])
        image = self.pipe(
            prompt=prompt, negative_prompt=negative_prompt,
            image=pose_map.convert("RGB").resize((draw_side, draw_side), Image.Resampling.BILINEAR),
            ip_adapter_image_embeds=[embedding.to(unet.device, unet.dtype)],
            controlnet_conditioning_scale=self.pose_scale, guidance_scale=guidance,
            num_inference_steps=self.steps.get(side, 30), height=draw_side, width=draw_side,
            generator=torch.Generator(device="cpu").manual_seed(seed), output_type="pil",
        ).images[0]
        if image.size != (side, side):
            image = image.resize((side, side), Image.Resampling.LANCZOS)
        return image
