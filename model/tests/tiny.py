"""The pipeline's classes built from configs with tiny random weights, as diffusers' own
tests of StableDiffusionXLControlNetPipeline do (a few MB, seconds on a CPU), and a
tiny IP-Adapter FaceID state dict shaped like ip-adapter-faceid_sdxl.bin's."""
from __future__ import annotations

import torch


def tokenizer():
    """A CLIP tokenizer whose vocabulary is every byte-level character (no merges): the
    real tokenizer's code on a vocabulary that fits in the test."""
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import CLIPTokenizer

    characters = sorted(ByteLevel.alphabet())
    tokens = ["<|startoftext|>", "<|endoftext|>", *characters, *(c + "</w>" for c in characters)]
    return CLIPTokenizer(vocab={token: i for i, token in enumerate(tokens)}, merges=[],
                         model_max_length=77)


def components() -> dict:
    from diffusers import AutoencoderKL, ControlNetModel, EulerDiscreteScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(0)
    shared = dict(block_out_channels=(32, 64), layers_per_block=2, in_channels=4,
                  down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                  attention_head_dim=(2, 4), use_linear_projection=True,
                  addition_embed_type="text_time", addition_time_embed_dim=8,
                  transformer_layers_per_block=(1, 2), projection_class_embeddings_input_dim=80,
                  cross_attention_dim=64)
    unet = UNet2DConditionModel(sample_size=32, out_channels=4,
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), **shared)
    # Its pose encoder reduces by 8, like the VAE below (SDXL's: 16, 32, 96, 256).
    controlnet = ControlNetModel(conditioning_embedding_out_channels=(16, 32, 32, 32), **shared)
    # A new ControlNet's output convolutions are zero (training starts with no effect);
    # random here, so that the pose map visibly reaches the output.
    with torch.no_grad():
        for conv in [*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block,
                     controlnet.controlnet_cond_embedding.conv_out]:
            conv.weight.normal_(0, 0.05)
    # Four blocks, like SDXL's VAE: latents an eighth of the image's side.
    vae = AutoencoderKL(block_out_channels=[32, 32, 32, 32], in_channels=3, out_channels=3,
                        down_block_types=["DownEncoderBlock2D"] * 4,
                        up_block_types=["UpDecoderBlock2D"] * 4, latent_channels=4,
                        norm_num_groups=32)
    text = CLIPTextConfig(bos_token_id=0, eos_token_id=1, hidden_size=32, intermediate_size=37,
                          layer_norm_eps=1e-05, num_attention_heads=4, num_hidden_layers=5,
                          pad_token_id=1, vocab_size=1000, hidden_act="gelu", projection_dim=32)
    return {"unet": unet, "controlnet": controlnet, "vae": vae,
            "scheduler": EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, steps_offset=1,
                                                beta_schedule="scaled_linear",
                                                timestep_spacing="leading"),
            "text_encoder": CLIPTextModel(text), "text_encoder_2": CLIPTextModelWithProjection(text),
            "tokenizer": tokenizer(), "tokenizer_2": tokenizer()}


def face_adapter(unet, identity_dimensions: int) -> dict:
    """ip-adapter-faceid_sdxl.bin's layout: the projection of the face embedding to four
    tokens ("image_proj"); a key and value projection per cross-attention layer,
    numbered 1, 3, 5, ... in the UNet's processor order, and a LoRA on every attention
    layer, numbered by processor ("ip_adapter")."""
    torch.manual_seed(1)
    cross, tokens, mult = unet.config.cross_attention_dim, 4, 2
    image_proj = {"proj.0.weight": torch.randn(identity_dimensions * mult, identity_dimensions) * 0.02,
                  "proj.0.bias": torch.zeros(identity_dimensions * mult),
                  "proj.2.weight": torch.randn(cross * tokens, identity_dimensions * mult) * 0.02,
                  "proj.2.bias": torch.zeros(cross * tokens),
                  "norm.weight": torch.ones(cross), "norm.bias": torch.zeros(cross)}
    ip_adapter, key = {}, 1
    for index, name in enumerate(unet.attn_processors):
        if name.startswith("mid_block"):
            hidden = unet.config.block_out_channels[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(unet.config.block_out_channels))[int(name[len("up_blocks.")])]
        else:
            hidden = unet.config.block_out_channels[int(name[len("down_blocks.")])]
        context = hidden if name.endswith("attn1.processor") else cross
        # The FaceID LoRA on every attention layer, numbered by processor (rank 4 here).
        for projection, inputs in (("to_q", hidden), ("to_k", context), ("to_v", context),
                                   ("to_out", hidden)):
            ip_adapter[f"{index}.{projection}_lora.down.weight"] = torch.randn(4, inputs) * 0.02
            ip_adapter[f"{index}.{projection}_lora.up.weight"] = torch.randn(hidden, 4) * 0.02
        if name.endswith("attn1.processor"):
            continue  # self-attention: no image tokens
        ip_adapter[f"{key}.to_k_ip.weight"] = torch.randn(hidden, cross) * 0.02
        ip_adapter[f"{key}.to_v_ip.weight"] = torch.randn(hidden, cross) * 0.02
        key += 2
    return {"image_proj": image_proj, "ip_adapter": ip_adapter}


def pipeline(identity_dimensions: int, steps: int = 2):
    from diffusers import StableDiffusionXLControlNetPipeline

    from portrait_model.pipeline import PosePortraitPipeline

    parts = components()
    pipe = StableDiffusionXLControlNetPipeline(**parts, force_zeros_for_empty_prompt=True)
    pipe.load_ip_adapter(face_adapter(parts["unet"], identity_dimensions), subfolder="",
                         weight_name="", image_encoder_folder=None)
    return PosePortraitPipeline.ready(pipe, model_id="tiny-random-sdxl-openpose-faceid",
                                      steps={512: steps, 1024: steps})
