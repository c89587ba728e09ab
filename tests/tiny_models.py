"""Tiny, randomly initialised open models built from configs and saved to a folder, so that the
huggingface provider loads them by path through the code a Hub id goes through (no download)."""

from __future__ import annotations

import json
from pathlib import Path

# BLIP's 15 words: BERT's specials, BLIP's decoder start, and a few to caption with.
BLIP_WORDS = (
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]",
    "a", "photo", "of", "red", "blue", "cat", "dog", "sky", "tree",
)  # fmt: skip
TINY_SIZE = 32  # the painter's images, in pixels a side


def blip(folder: Path) -> Path:
    """A 2-layer, 32-wide BLIP captioner and its processor, saved with save_pretrained."""
    from transformers import (
        BertTokenizer,
        BlipConfig,
        BlipForConditionalGeneration,
        BlipImageProcessorPil,
        BlipProcessor,
    )

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(BLIP_WORDS) + "\n")
    tower = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2}
    config = BlipConfig(
        text_config={
            **tower,
            "intermediate_size": 37,
            "vocab_size": len(BLIP_WORDS),
            "pad_token_id": 0,
            "bos_token_id": 5,
            "sep_token_id": 3,
            "eos_token_id": 3,
            "max_position_embeddings": 64,
        },
        vision_config={**tower, "intermediate_size": 37, "image_size": 32, "patch_size": 8},
        projection_dim=32,
    )
    _seeded()
    BlipForConditionalGeneration(config).save_pretrained(folder)
    tokenizer = BertTokenizer(str(folder / "vocab.txt"), bos_token="[DEC]", model_max_length=64)
    processor = BlipProcessor(
        image_processor=BlipImageProcessorPil(size={"height": 32, "width": 32}), tokenizer=tokenizer
    )
    processor.save_pretrained(folder)
    return folder


def _clip_tokenizer_files(folder: Path) -> None:
    """A byte-level BPE vocabulary (every byte, alone and word-final) and no merges."""
    symbols = [chr(byte) for byte in _printable()] + [
        chr(256 + n) for n in range(256 - len(_printable()))
    ]
    vocab = ["<|startoftext|>", "<|endoftext|>", *symbols, *(s + "</w>" for s in symbols)]
    (folder / "vocab.json").write_text(json.dumps({token: i for i, token in enumerate(vocab)}))
    (folder / "merges.txt").write_text("#version: 0.2\n")


def stable_diffusion(folder: Path) -> Path:
    """A 2-block Stable Diffusion (UNet, VAE, 2-layer CLIP text encoder, tokenizer) that paints
    32×32 images, saved as a pipeline folder."""
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    words = folder / "tokenizer_files"
    words.mkdir(exist_ok=True)
    _clip_tokenizer_files(words)
    tokenizer = CLIPTokenizer(
        str(words / "vocab.json"), str(words / "merges.txt"), model_max_length=77
    )
    _seeded()
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=TINY_SIZE // 2,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        norm_num_groups=16,
    )
    vae = AutoencoderKL(
        block_out_channels=(32, 64),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        norm_num_groups=16,
        sample_size=TINY_SIZE,
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=len(tokenizer),
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            max_position_embeddings=77,
        )
    )
    pipeline = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=EulerDiscreteScheduler(timestep_spacing="trailing", steps_offset=1),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(folder)
    return folder


def sentence_transformer(folder: Path) -> Path:
    """A tiny BERT with mean pooling, saved as a sentence-transformers model."""
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    bert = folder / "bert"
    bert.mkdir(exist_ok=True)
    (bert / "vocab.txt").write_text("\n".join(BLIP_WORDS[:5] + BLIP_WORDS[6:]) + "\n")
    _seeded()
    config = BertConfig(
        vocab_size=14,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(bert)
    BertTokenizer(str(bert / "vocab.txt"), model_max_length=64).save_pretrained(bert)
    encoder = models.Transformer(str(bert), max_seq_length=64)
    model = SentenceTransformer(modules=[encoder, models.Pooling(32, pooling_mode="mean")])
    model.save(str(folder / "model"))
    return folder / "model"


def _printable() -> list[int]:
    """GPT-2's byte-level alphabet: the printable bytes stand for themselves, the rest are
    shifted above 255 (in byte order)."""
    return [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), 256)]


def _seeded() -> None:
    import torch

    torch.manual_seed(0)


CHAT_TEMPLATE = (
    "{% for message in messages %}USER: {% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<image> {% else %}{{ part['text'] }}{% endif %}"
    "{% endfor %} {% endfor %}{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)


def llava(folder: Path) -> Path:
    """A 2-layer LLaVA (tiny CLIP vision tower, tiny Llama) with a chat template: a chat
    captioner that takes the game's caption prompt and can rewrite captions."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (
        CLIPImageProcessorPil,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
        PreTrainedTokenizerFast,
    )

    folder.mkdir(parents=True, exist_ok=True)
    specials = ["<unk>", "<s>", "</s>", "<pad>", "<image>"]
    words = [*specials, "USER", "ASSISTANT", ":", *BLIP_WORDS[6:]]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        extra_special_tokens={"image_token": "<image>"},
        padding_side="left",
        model_max_length=128,
    )
    tokenizer.add_special_tokens({"additional_special_tokens": ["<image>"]})
    tower = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2}
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(
            **tower, intermediate_size=37, image_size=32, patch_size=8, projection_dim=32
        ),
        text_config=LlamaConfig(
            **tower,
            intermediate_size=37,
            num_key_value_heads=2,
            vocab_size=len(words),
            bos_token_id=1,
            eos_token_id=2,
            pad_token_id=3,
            max_position_embeddings=128,
        ),
        image_token_index=words.index("<image>"),
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
    )
    _seeded()
    model = LlavaForConditionalGeneration(config)
    # It never says a special token (not even the end), so its answers are words.
    model.generation_config.suppress_tokens = list(range(len(specials)))
    model.save_pretrained(folder)
    processor = LlavaProcessor(
        image_processor=CLIPImageProcessorPil(
            size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
        ),
        tokenizer=tokenizer,
        patch_size=8,
        vision_feature_select_strategy="default",
        chat_template=CHAT_TEMPLATE,
        num_additional_image_tokens=1,
    )
    processor.save_pretrained(folder)
    return folder
