"""What we publish on the Hamilton hub: the user, and per dataflow its configs, tags and notes."""

from dataclasses import dataclass, field

USER = "image_telephone"
PACKAGE = "image_telephone"  # the project's own import package: imported only inside offline nodes
DISTRIBUTION = "image-telephone"

AUTHOR_MD = """\
# image_telephone

The image-telephone project plays the telephone game between image and text models: caption an
image, draw the caption, caption the drawing, and watch the meaning drift. These dataflows are its
two steps, usable on their own with any OpenAI-compatible server or with the project's built-in
offline models.

# Github
https://github.com/image_telephone
"""


@dataclass(frozen=True)
class DataflowSpec:
    """One dataflow as the hub shows it; the code and the docs come from the module itself."""

    name: str
    configs: tuple[dict, ...]  # the first one is drawn as dag.png, as the hub shows one config
    use_case_tags: tuple[str, ...]
    example_inputs: dict[str, str]  # input name -> Python expression, for the README's example
    example_outputs: tuple[str, ...]
    limitations: tuple[str, ...]
    secondary_tags: dict[str, str] = field(default_factory=lambda: {"language": "English"})

    @property
    def module_name(self) -> str:
        """The import name of the source module in the image-telephone package."""
        return f"{PACKAGE}.dataflows.{self.name}"


DATAFLOWS = (
    DataflowSpec(
        name="caption_images",
        configs=(
            {"provider": "openai"},
            {"provider": "openai", "include_embeddings": True},
            {"provider": "offline"},
            {"provider": "offline", "include_embeddings": True},
        ),
        use_case_tags=(
            "openai",
            "LLM",
            "AI",
            "computer-vision",
            "image-captioning",
            "embeddings",
            "offline",
        ),
        example_inputs={"image_url": '"photo.jpg"', "openai_client": "openai.OpenAI()"},
        example_outputs=("generated_caption", "metadata"),
        limitations=(
            "Images must be PNG, JPEG, GIF or WEBP; the type is read from the bytes, never from "
            "the file name. Remote images are downloaded and sent as a data URI, so the model "
            "never needs to reach them.",
            "The dataflow makes one request per caption (plus one for the embedding); retries "
            "are the `openai_client`'s own (`max_retries`).",
            "The offline describer is a built-in demonstration model that measures colours, "
            "layout, brightness and texture; it is not a neural network.",
        ),
    ),
    DataflowSpec(
        name="generate_images",
        configs=({"provider": "openai"}, {"provider": "offline"}),
        use_case_tags=("openai", "AI", "computer-vision", "image-generation", "offline"),
        example_inputs={
            "image_generation_prompt": '"a lighthouse at dusk"',
            "openai_client": "openai.OpenAI()",
        },
        example_outputs=("generated_image_png", "metadata"),
        limitations=(
            "`generated_image_png` is the PNG's bytes, fetched at once (hosted URLs expire): "
            "store them yourself. `generated_image` keeps the original elijahbenizzy meaning, "
            "where the image is: the server's URL when it gave one, else a data: URI. With no "
            "config the model is the original's, DALL·E 3 (served by OpenAI-compatible servers; "
            "OpenAI has retired it), asked for a URL.",
            "Only the default model falls back (to `gpt-image-1`) when the server lacks it; a "
            "model you name is never swapped.",
            "The offline sketcher is a built-in demonstration model that paints colour words, "
            "simple shapes and scenes it can read; it is not a neural network.",
        ),
    ),
)
