"""The provider registry: every provider, built-in or third-party, registers through the
`image_telephone.providers` entry-point group and declares its roles, models and key."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any

from image_telephone.errors import InputError

ENTRY_POINT_GROUP = "image_telephone.providers"
ROLES = ("captioner", "painter", "embedder", "rewriter")


@dataclasses.dataclass(frozen=True)
class RoleModels:
    """The models a provider offers for one role: its default, the environment variable that
    overrides the default, and the models it knows (others may work too)."""

    default: str
    env: str | None = None
    known: tuple[str, ...] = ()
    fallback: str | None = None  # used when the default is missing on the server, if ever

    def chosen(self, model: str | None) -> tuple[str, str | None]:
        """(the model to use, its fallback): the one named, else the environment's, else the
        default — and only the default may fall back; a model someone named never does."""
        named = model or (os.environ.get(self.env) if self.env else None)
        return (named, None) if named else (self.default, self.fallback)


@dataclasses.dataclass(frozen=True)
class ProviderOption:
    """A setting only some providers take (e.g. an image quality), for one role: its help and
    the values it accepts (any, when there are no choices)."""

    role: str
    help: str
    choices: tuple[str, ...] = ()
    # Checks a value further (raising InputError), e.g. the form of NAME=VALUE items.
    validate: Callable[[Any], None] | None = None

    def check(self, provider: str, name: str, value: Any) -> None:
        """Raises an InputError when value is not one of the choices (or fails validate)."""
        if self.choices and value not in self.choices:
            raise InputError(
                f"{name} {value!r}: {provider}'s {self.role} takes {', '.join(self.choices)}"
            )
        if self.validate is not None:
            self.validate(value)


@dataclasses.dataclass(frozen=True)
class ProviderSpec:
    """What a provider declares: its name, the roles it serves with their models, and the
    environment variables of its key and endpoint (None where it needs none)."""

    name: str
    description: str
    roles: Mapping[str, RoleModels]
    key_env: str | None = None
    base_url_env: str | None = None
    # Builds the provider's client (a providers.base.ProviderClient) from the endpoint (None:
    # its default) and the environment. The built-ins have none: the dataflows' openai and
    # offline variants call them; every other provider plays through its client.
    connect: Callable[[str | None], Any] | None = None
    # Settings this provider takes beyond every provider's knobs, by GameSettings field name;
    # a game passes those set to its client's calls of that role as keyword arguments.
    options: Mapping[str, ProviderOption] = dataclasses.field(default_factory=dict)
    # True: connect also takes `pacing=` (providers.pacing.Pacing), and the client sends its
    # HTTP through pacing.transport(...), so a tournament's [limits] gate and retry its calls.
    paced: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"provider {self.name!r}: unknown roles {sorted(unknown)}")

    def models_for(self, role: str) -> RoleModels:
        """The role's models, or an InputError saying which roles the provider serves."""
        if role not in self.roles:
            raise InputError(
                f"provider {self.name!r} has no {role}; it serves {', '.join(self.roles)}"
            )
        return self.roles[role]

    def check_option(self, role: str, name: str, value: Any) -> None:
        """Refuses an option this provider's role does not take, or a value it does not accept."""
        option = self.options.get(name)
        if option is None or option.role != role:
            raise InputError(
                f"{name}: {self.name}'s {role} does not take it; drop it or choose a {role} "
                "that does (`image-telephone models`)"
            )
        option.check(self.name, name, value)

    @property
    def needs_key(self) -> bool:
        """Whether calls need a key from the environment."""
        return self.key_env is not None


@functools.cache
def providers() -> dict[str, ProviderSpec]:
    """Every registered provider by name (built-ins register through the same entry points)."""
    found: dict[str, ProviderSpec] = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        spec = entry.load()
        if not isinstance(spec, ProviderSpec) or spec.name != entry.name:
            raise TypeError(
                f"entry point {entry.name} = {entry.value} in {ENTRY_POINT_GROUP}: expected a "
                f"ProviderSpec named {entry.name!r}"
            )
        found[entry.name] = spec
    return dict(sorted(found.items()))


def provider(name: str) -> ProviderSpec:
    """The provider registered under name, or an InputError listing the known ones."""
    known = providers()
    if name not in known:
        raise InputError(f"provider {name!r}: unknown; choose one of {', '.join(known)}")
    return known[name]


def parse_model_id(value: str) -> tuple[str, str | None]:
    """('openai', 'gpt-4.1-mini') from 'openai:gpt-4.1-mini'; a bare provider has no model."""
    name, _, model = value.partition(":")
    if not name or (":" in value and not model):
        raise InputError(f"model id {value!r}: expected PROVIDER or PROVIDER:MODEL")
    provider(name)
    return name, model or None
