"""The replicate provider's declaration: any Replicate model `owner/name[:version]` as a
captioner or painter (defaults: the AI Telephone study's BLIP and Stable Diffusion), its key
and endpoint variables, and the options that rename or add a model's inputs. The `replicate`
package is imported by the client, at the first game, never here."""

from __future__ import annotations

from typing import Any

from image_telephone.providers.registry import ProviderOption, ProviderSpec, RoleModels

from .replicate_inputs import check_caption_items, check_image_items

KEY_ENV = "REPLICATE_API_TOKEN"
BASE_URL_ENV = "REPLICATE_BASE_URL"
DEFAULT_BASE_URL = "https://api.replicate.com/v1"
CAPTION_MODEL_ENV = "IMAGE_TELEPHONE_REPLICATE_CAPTION_MODEL"
IMAGE_MODEL_ENV = "IMAGE_TELEPHONE_REPLICATE_IMAGE_MODEL"
# The study's line-up on Replicate, pinned to versions (a model page's API tab lists them); a
# name without a version plays the model's latest.
BLIP = "salesforce/blip:2e1dddc8621f72155f24cf2e0adbde548458d3cab9f00c0139eea840d0ac4746"
BLIP_2 = "salesforce/blip-2:4b32258c42e9efd4288bb9910bc532a69727f9acd26aa08e175713a0a857a608"
MINIGPT_4 = "daanelson/minigpt-4:b96a2f33cc8e4b0aa23eacfce731b9c41a7d9466d9ed4e167375587b54db9423"
MPLUG_OWL = "joehoover/mplug-owl"
STABLE_DIFFUSION = (
    "stability-ai/stable-diffusion:ac732df83cea7fff18b8472768c88ad041fa750ff7682a21affe81863cbe77e4"
)
SDXL = "stability-ai/sdxl:7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc"
VQGAN_CLIP = "mehdidc/feed_forward_vqgan_clip"


def connect(endpoint: str | None, pacing: Any = None) -> Any:
    """The client for endpoint (None: $REPLICATE_BASE_URL, else Replicate's API), its HTTP paced
    by pacing (a tournament's gate; None: a single game's retries); a one-line error naming
    the replicate extra when it is not installed."""
    from image_telephone.extras import require_extra

    require_extra("replicate", "the replicate provider")
    from .replicate_client import ReplicateClient

    return ReplicateClient(endpoint, pacing)


SPEC = ProviderSpec(
    name="replicate",
    description="any model on Replicate (or a server speaking its predictions API), "
    "owner/name[:version] (the replicate extra)",
    roles={
        "captioner": RoleModels(BLIP, CAPTION_MODEL_ENV, (BLIP, BLIP_2, MPLUG_OWL, MINIGPT_4)),
        "painter": RoleModels(
            STABLE_DIFFUSION,
            IMAGE_MODEL_ENV,
            (STABLE_DIFFUSION, SDXL, VQGAN_CLIP, "black-forest-labs/flux-schnell"),
        ),
    },
    key_env=KEY_ENV,
    base_url_env=BASE_URL_ENV,
    connect=connect,
    options={
        "caption_inputs": ProviderOption(
            "captioner",
            "NAME=VALUE model inputs, added or renamed: a value, {image}, {prompt}, "
            "{max_tokens}, {temperature}, {seed}, or nothing to send no NAME",
            validate=check_caption_items,
        ),
        "image_inputs": ProviderOption(
            "painter",
            "NAME=VALUE model inputs, added or renamed: a value, {prompt}, {seed}, {width}, "
            "{height}, {size}, {init_image}, or nothing to send no NAME",
            validate=check_image_items,
        ),
    },
    paced=True,
)
