"""What we publish on the Hamilton hub: the user, and per dataflow its configs, tags and notes."""

from dataclasses import dataclass, field

USER = "image_telephone"
PACKAGE = "image_telephone"  # the project's own import package: imported only inside offline nodes
DISTRIBUTION = "image-telephone"

AUTHOR_MD = """\
# image_telephone

The image-telephone project plays the telephone game between image and text models: caption an
image, draw the caption, caption the drawing, and watch the meaning drift. These dataflows are its
two steps (caption_images, generate_images), the rewrite of its creative modes (rewrite_captions)
and its titler (title_images), usable on their own with any OpenAI-compatible server or with the
project's built-in offline models.

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
    # The dataflows this one extends (its nodes override theirs); published merged with them.
    bases: tuple[str, ...] = ()

    @property
    def module_name(self) -> str:
        """The import name of the source module in the image-telephone package."""
        return f"{PACKAGE}.dataflows.{self.name}"

    @property
    def module_names(self) -> tuple[str, ...]:
        """The source modules, in the order a driver takes them: bases first."""
        return tuple(f"{PACKAGE}.dataflows.{name}" for name in (*self.bases, self.name))


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
    DataflowSpec(
        name="rewrite_captions",
        configs=(
            {"provider": "openai", "goal": "more"},
            {"provider": "openai", "goal": "story"},
            {"provider": "offline", "goal": "more"},
            {"provider": "offline", "goal": "story"},
        ),
        use_case_tags=("openai", "LLM", "AI", "text-generation", "prompt-rewriting", "offline"),
        example_inputs={
            "caption_text": '"a lighthouse at dusk"',
            "more_of": '"dramatic"',
            "openai_client": "openai.OpenAI()",
        },
        example_outputs=("rewritten_caption", "rewrite_completion"),
        limitations=(
            "`goal` has no default: `more` needs `more_of` (and takes `intensity`), `story` "
            "needs `panel` and `panels`.",
            "One chat request per rewrite; retries are the `openai_client`'s own. Reasoning "
            "models (o-series, GPT-5) get `max_completion_tokens` and no `temperature`, and a "
            "parameter the server rejects is dropped once and retried; "
            "`rewrite_completion['parameter_notes']` says what changed.",
            "The offline rewriters are built-in demonstration rules (stronger adjectives, the "
            "scene carried forward), not a language model.",
        ),
    ),
    DataflowSpec(
        name="title_images",
        bases=("caption_images",),
        configs=({"provider": "openai"}, {"provider": "offline"}),
        use_case_tags=("openai", "LLM", "AI", "computer-vision", "image-titling", "offline"),
        example_inputs={
            "image_url": '"painting.png"',
            "title_context": '"crypto art, NFT"',
            "candidates": "3",
            "openai_client": "openai.OpenAI()",
        },
        example_outputs=("title", "title_record"),
        limitations=(
            "This module is caption_images' nodes with `core_prompt` replaced by a title "
            "prompt, so it takes caption_images' inputs and configs too; build a driver from "
            "it alone.",
            "One chat request per image asks for all `candidates` at once (`n`), as the "
            "image-telephone `title` command does; cleaning and choosing the title "
            "(`taken_titles` numbers a repeat as a series) call no model.",
            "The offline titler is a built-in demonstration model that titles the offline "
            "describer's caption; it is not a neural network.",
        ),
    ),
)
