"""A third-party provider that only the tests install: one module and one entry point."""

import hashlib
import io

from PIL import Image

from image_telephone.providers.base import Completion, Embedding, Painting
from image_telephone.providers.registry import ProviderSpec, RoleModels

CALLS: list[tuple[str, str]] = []  # (role, model) of every call, for the tests to read


class AcmeClient:
    """Sees average colours, paints solid ones, embeds vowel counts."""

    def __init__(self, endpoint: str | None):
        self.endpoint = endpoint

    def caption(self, image, prompt, model, **options):
        """The image's average colour, in words."""
        CALLS.append(("captioner", model))
        with Image.open(io.BytesIO(image)) as picture:
            red, green, blue = picture.convert("RGB").resize((1, 1)).getpixel((0, 0))
        return Completion(text=f"a square of colour {red} {green} {blue}", parameters=options)

    def paint(self, prompt, model, *, size, seed, init_image):
        """A solid square whose colour the prompt's words decide."""
        CALLS.append(("painter", model))
        colour = tuple(hashlib.sha256(prompt.encode()).digest()[:3])
        out = io.BytesIO()
        Image.new("RGB", (64, 64), colour).save(out, format="PNG")
        return Painting(png=out.getvalue(), model=model, parameters={"size": size})

    def embed(self, text, model):
        """How often each vowel appears."""
        CALLS.append(("embedder", model))
        return Embedding(tuple(float(text.count(vowel)) + 0.1 for vowel in "aeiou"), model)

    def rewrite(self, instruction, model, **options):
        """The caption after 'Caption:', pushed a little further."""
        CALLS.append(("rewriter", model))
        return Completion(text=instruction.rpartition(":")[2].strip() + ", even more so")


SPEC = ProviderSpec(
    name="acme",
    description="Acme's colour models (a test provider)",
    roles={
        "captioner": RoleModels("acme-see-1", "ACME_SEE_MODEL", ("acme-see-1", "acme-see-2")),
        "painter": RoleModels("acme-paint-1"),
        "embedder": RoleModels("acme-embed-1"),
        "rewriter": RoleModels("acme-write-1"),
    },
    connect=AcmeClient,
)
