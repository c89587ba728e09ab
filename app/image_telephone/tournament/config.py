"""The tournament file: captioners × painters × prompts × seeds, validated before any call."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import urllib.parse
from pathlib import Path
from typing import Any

from image_telephone.errors import InputError
from image_telephone.game.settings import OFFLINE, GameSettings, knobs
from image_telephone.providers.registry import provider as registered_provider
from image_telephone.providers.registry import providers

from .cost import PriceTable, load_price_table
from .fields import Table, read_toml
from .limits import ProviderLimits, parse_limits
from .prompts import DEFAULT_PROMPTS, Prompt, load_prompts, select_prompts

# GameSettings knobs each role may set (besides `model`); a game takes both roles' knobs.
CAPTION_FIELDS = tuple(field.name for field in knobs("caption"))
IMAGE_FIELDS = tuple(field.name for field in knobs("image"))
_ENTRY_FIELDS = ("name", "provider", "model", "base_url", "api_key_env")
# The GameSettings field of an entry's role: a provider need not serve the other roles.
_ROLE_PROVIDER = {"captioner": "caption_provider", "painter": "image_provider"}
_TOP_FIELDS = (
    "name",
    "captioners",
    "painters",
    "embedder",
    "prompts",
    "prompt_ids",
    "turns",
    "seeds",
    "out",
    "s3_endpoint",
    "concurrency",
    "limits",
    "prices",
    "max_cost",
    "tracker",
    "judge",
)
# Entry names become part of run names, which are capped at 128 characters.
_ENTRY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.]{0,23}$")
DEFAULT_TURNS = 10
DEFAULT_CONCURRENCY = 8


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """Where a game's model calls go: one OpenAI client (and one set of limits) per endpoint."""

    provider: str
    base_url: str | None = None
    api_key_env: str | None = None

    @functools.cached_property
    def label(self) -> str:
        """A short readable name, e.g. 'openai@127.0.0.1:8080' (never a credential)."""
        if not self.base_url:
            name = self.provider
        else:
            parts = urllib.parse.urlsplit(self.base_url)
            port = f":{parts.port}" if parts.port else ""
            name = f"{self.provider}@{parts.hostname}{port}{parts.path.rstrip('/')}"
        return f"{name} (${self.api_key_env})" if self.api_key_env else name

    @property
    def uses_http(self) -> bool:
        """Whether calls go through the tournament's transport (and so its limits): openai's,
        and a paced provider's (replicate); offline and the others call their own models."""
        return self.provider == "openai" or registered_provider(self.provider).paced


@dataclasses.dataclass(frozen=True)
class Entry:
    """A captioner or a painter: a name, an endpoint, a model and the role's settings."""

    role: str
    name: str
    endpoint: Endpoint
    model: str | None
    parameters: tuple[tuple[str, Any], ...]


@dataclasses.dataclass(frozen=True)
class Tournament:
    """A validated tournament file."""

    name: str
    captioners: tuple[Entry, ...]
    painters: tuple[Entry, ...]
    # One for the whole tournament, its model fixed when the file is read: every game's
    # captions and the start prompts are embedded alike, so all distances are comparable.
    embedder: Entry
    prompts: tuple[Prompt, ...]
    turns: int
    seeds: tuple[int, ...]
    out: str
    s3_endpoint: str | None
    concurrency: int
    limits: dict[str, ProviderLimits]
    prices: PriceTable
    max_cost: float | None
    tracker: bool | str
    # Who measures the finished games (an analysis.judges spec); None: the default judge.
    judge: str | None = None

    def limits_for(self, endpoint: Endpoint) -> ProviderLimits:
        """The endpoint's limits: [limits."BASE_URL"] over [limits.PROVIDER] over the defaults."""
        if endpoint.base_url in self.limits:
            return self.limits[endpoint.base_url]
        return self.limits.get(endpoint.provider, ProviderLimits())

    def endpoints(self) -> list[Endpoint]:
        """The distinct endpoints the games call (the embedder's included)."""
        entries = (*self.captioners, *self.painters, self.embedder)
        return list(dict.fromkeys(entry.endpoint for entry in entries))

    def with_options(
        self,
        out: str | None = None,
        concurrency: int | None = None,
        max_cost: float | None = None,
    ) -> Tournament:
        """The tournament with command-line overrides, checked like the file's values."""
        given = {"out": out, "concurrency": concurrency, "max_cost": max_cost}
        options = Table({key: value for key, value in given.items() if value is not None}, "")
        return dataclasses.replace(
            self,
            out=options.text("out", self.out),
            concurrency=options.integer("concurrency", self.concurrency, 1),
            max_cost=self.max_cost if max_cost is None else _max_cost(options),
        )


def game_settings(captioner: Entry, painter: Entry, embedder: Entry, seed: int) -> GameSettings:
    """A game's settings: each role's provider, endpoint and model, the captioner's caption
    fields and the painter's image fields."""
    return GameSettings(
        provider=captioner.endpoint.provider,
        caption_provider=captioner.endpoint.provider,
        image_provider=painter.endpoint.provider,
        embeddings_provider=embedder.endpoint.provider,
        caption_base_url=captioner.endpoint.base_url,
        image_base_url=painter.endpoint.base_url,
        embeddings_base_url=embedder.endpoint.base_url,
        caption_model=captioner.model,
        image_model=painter.model,
        # The offline embedder takes no model setting (its one model is recorded all the same).
        embeddings_model=embedder.model if embedder.endpoint.provider != OFFLINE else None,
        seed=seed,
        **dict(captioner.parameters),
        **dict(painter.parameters),
    )


def load_tournament(path: str | os.PathLike[str]) -> Tournament:
    """Reads and checks a tournament file; raises InputError naming the field and the fix."""
    file = Path(path).expanduser()
    document = Table(read_toml(file, "tournament file"), "")
    document.only(_TOP_FIELDS)
    captioners = _entries(document, "captioners", CAPTION_FIELDS)
    painters = _entries(document, "painters", IMAGE_FIELDS)
    embedder = _embedder(document, captioners[0])
    base_urls = _base_urls(captioners, painters, embedder)
    prompts = load_prompts(document.text("prompts", DEFAULT_PROMPTS), file.parent)
    tournament = Tournament(
        name=_entry_name(document, "name", file.stem),
        captioners=captioners,
        painters=painters,
        embedder=embedder,
        prompts=select_prompts(prompts, _string_list(document, "prompt_ids")),
        turns=document.integer("turns", DEFAULT_TURNS, 1),
        seeds=_seeds(document),
        out=document.text("out", f"tournaments/{file.stem}"),
        s3_endpoint=document.text("s3_endpoint"),
        concurrency=document.integer("concurrency", DEFAULT_CONCURRENCY, 1),
        limits=parse_limits(document.table("limits"), _paced_providers(), base_urls),
        prices=load_price_table(document.table("prices")),
        max_cost=_max_cost(document),
        tracker=_tracker(document),
        judge=_judge(document),
    )
    for entry in (*captioners, *painters, embedder):
        if entry.endpoint.api_key_env and entry.endpoint.api_key_env not in os.environ:
            raise InputError(
                f"{entry.role} {entry.name!r}: api_key_env ${entry.endpoint.api_key_env} is not "
                "set; export it or remove api_key_env to use OPENAI_API_KEY"
            )
    return tournament


def _entries(document: Table, key: str, role_fields: tuple[str, ...]) -> tuple[Entry, ...]:
    role = key.removesuffix("s")
    entries = []
    for table in document.tables(key, required=True):
        if "embeddings_model" in table.values:
            raise table.fail(
                "embeddings_model",
                "a tournament has one embedder; move it to [embedder] as model = …",
            )
        table.only((*_ENTRY_FIELDS, *role_fields))
        name = _entry_name(table, "name", None)
        endpoint, model = _endpoint_and_model(table)
        provider = endpoint.provider
        parameters = tuple((k, table.values[k]) for k in role_fields if k in table.values)
        entry = Entry(role, name, endpoint, model, parameters)
        try:  # GameSettings checks temperature, size, … the way `run` does
            GameSettings(**{_ROLE_PROVIDER[role]: provider}, **dict(parameters))
        except (InputError, TypeError) as error:
            raise InputError(f"{table.where} ({name!r}): {error}") from None
        entries.append(entry)
    names = [entry.name for entry in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"{key}: names must be unique; rename {', '.join(duplicates)}")
    return tuple(entries)


def _endpoint_and_model(table: Table) -> tuple[Endpoint, str | None]:
    """An entry's (or the embedder's) provider, base_url and api_key_env, and its model."""
    provider = table.text("provider", required=True)
    try:
        registered_provider(provider)
    except InputError:
        known = ", ".join(providers())
        raise table.fail("provider", f"{provider!r} is unknown; use one of {known}") from None
    endpoint = Endpoint(provider, table.text("base_url"), table.text("api_key_env"))
    if not endpoint.uses_http and (endpoint.base_url or endpoint.api_key_env):
        raise table.fail(
            "provider", f"{provider} takes no base_url or api_key_env here; remove them"
        )
    if endpoint.api_key_env and provider != "openai":
        key = registered_provider(provider).key_env
        raise table.fail("api_key_env", f"{provider} reads its key from ${key}; remove it")
    model = table.text("model")
    if provider == OFFLINE and model:
        raise table.fail("model", "offline has one built-in model; remove 'model'")
    return endpoint, model


def _embedder(document: Table, first_captioner: Entry) -> Entry:
    """The [embedder] table, or by default the first captioner's provider and endpoint with
    that provider's default embeddings model; its model is resolved here, once."""
    if "embedder" in document.values:
        table = document.table("embedder")
        table.only(("provider", "model", "base_url", "api_key_env"))
        endpoint, model = _endpoint_and_model(table)
    else:
        endpoint, model = first_captioner.endpoint, None
    models = registered_provider(endpoint.provider).models_for("embedder")
    return Entry("embedder", "embedder", endpoint, models.chosen(model)[0], ())


def _paced_providers() -> tuple[str, ...]:
    """The providers whose calls a [limits.PROVIDER] table paces: openai and the paced ones."""
    return tuple(name for name, spec in providers().items() if name == "openai" or spec.paced)


def _entry_name(table: Table, key: str, default: str | None) -> str:
    name = table.text(key, default, required=True)
    if not _ENTRY_NAME.match(name):
        raise table.fail(
            key,
            f"{name!r}: use letters, digits, '_' or '.' (at most 24, no '-'): it is part "
            "of run names",
        )
    return name


def _base_urls(
    captioners: tuple[Entry, ...], painters: tuple[Entry, ...], embedder: Entry
) -> dict[str, str]:
    """Each base_url of the file, with its provider: [limits."BASE_URL"] may name it."""
    entries = (*captioners, *painters, embedder)
    return {e.endpoint.base_url: e.endpoint.provider for e in entries if e.endpoint.base_url}


def _string_list(document: Table, key: str) -> list[str] | None:
    value = document.values.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise document.fail(key, f"expected a non-empty list of strings, got {value!r}")
    return value


def _seeds(document: Table) -> tuple[int, ...]:
    seeds = document.values.get("seeds", [0])
    if (
        not isinstance(seeds, list)
        or not seeds
        or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)
        or len(set(seeds)) != len(seeds)
    ):
        raise document.fail(
            "seeds", f"expected a list of distinct whole numbers ≥ 0, got {seeds!r}"
        )
    return tuple(seeds)


def _max_cost(table: Table) -> float | None:
    value = table.number("max_cost", None, 0.0)
    if value == 0:
        raise table.fail("max_cost", "must be more than 0 US dollars; leave it out for no limit")
    return value


def _judge(document: Table) -> str | None:
    """`judge = "SPEC"`, or a [judge] table with `judge = "SPEC"`; checked, not loaded."""
    from image_telephone.analysis.judges import check_spec

    value = document.values.get("judge")
    if isinstance(value, dict):
        table = document.table("judge")
        table.only(("judge",))
        value = table.text("judge", required=True)
        where = "judge.judge"
    else:
        where = "judge"
    if value is None:
        return None
    if not isinstance(value, str):
        raise document.fail("judge", f'expected a judge such as "minilm", got {value!r}')
    try:
        return check_spec(value)
    except InputError as error:
        raise InputError(f"{where}: {error}") from None


def _tracker(document: Table) -> bool | str:
    value = document.values.get("tracker", True)
    if isinstance(value, bool) or (isinstance(value, str) and value.startswith("s3://")):
        return value
    raise document.fail("tracker", f"expected true, false or 's3://bucket', got {value!r}")
