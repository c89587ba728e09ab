"""Providers register by name through an entry-point group, the built-ins like any third party;
each declares its roles, models and key, and `image-telephone models` lists them."""

import sys
import textwrap

import pytest

from image_telephone import GameSettings, InputError
from image_telephone.cli import main
from image_telephone.providers import registry

THIRD_PARTY = """
from image_telephone.providers.registry import ProviderSpec, RoleModels

SPEC = ProviderSpec(
    name="acme",
    description="a provider that only a test package installs",
    roles={
        "painter": RoleModels("acme-paint-1", "ACME_PAINT_MODEL", ("acme-paint-1", "acme-paint-2"))
    },
    key_env="ACME_API_KEY",
)
"""


@pytest.fixture
def acme(tmp_path, monkeypatch):
    """A package that registers the provider 'acme' through the entry-point group."""
    (tmp_path / "acme_provider.py").write_text(textwrap.dedent(THIRD_PARTY))
    dist = tmp_path / "acme_provider-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-provider\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        f"[{registry.ENTRY_POINT_GROUP}]\nacme = acme_provider:SPEC\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.providers.cache_clear()
    yield registry.provider("acme")
    sys.modules.pop("acme_provider", None)
    registry.providers.cache_clear()


def test_the_built_ins_register_through_the_entry_point_group():
    assert {"openai", "offline"} <= set(registry.providers())
    openai = registry.provider("openai")
    assert openai.needs_key and openai.key_env == "OPENAI_API_KEY"
    assert set(openai.roles) == set(registry.ROLES)
    assert not registry.provider("offline").needs_key


def test_a_third_party_provider_is_listed_with_its_roles_models_and_key(acme, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one line per row, however narrow the terminal
    assert acme.models_for("painter").default == "acme-paint-1"
    with pytest.raises(InputError, match="has no captioner; it serves painter"):
        acme.models_for("captioner")
    assert main(["models"]) == 0
    listing = capsys.readouterr().out
    assert "acme" in listing and "acme-paint-2" in listing and "ACME_API_KEY" in listing


def test_models_piped_gives_one_unwrapped_line_per_role(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["models"]) == 0  # captured output is not a terminal, as in a pipe
    lines = capsys.readouterr().out.splitlines()
    assert any("huggingface" in line and "stabilityai/sd-turbo" in line for line in lines)
    assert any("replicate" in line and "REPLICATE_API_TOKEN" in line for line in lines)


def test_model_ids_name_a_provider_and_optionally_a_model(acme):
    assert registry.parse_model_id("openai:gpt-4o") == ("openai", "gpt-4o")
    assert registry.parse_model_id("acme") == ("acme", None)
    for bad in ("nobody:x", "openai:", ":gpt-4o"):
        with pytest.raises(InputError):
            registry.parse_model_id(bad)


def test_default_models_come_from_the_declaration_then_the_environment(monkeypatch):
    settings = GameSettings(provider="openai").resolved()
    declared = registry.provider("openai").roles
    assert settings.caption_model == declared["captioner"].default
    assert settings.embeddings_model == declared["embedder"].default
    monkeypatch.setenv(declared["embedder"].env, "text-embedding-3-large")
    assert GameSettings(provider="openai").resolved().embeddings_model == "text-embedding-3-large"
    named = GameSettings(provider="openai", embeddings_model="my-embedder").resolved()
    assert named.embeddings_model == "my-embedder"


def test_an_option_only_some_providers_take_is_checked_against_the_role_s_provider(
    capsys, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "300")
    assert GameSettings(provider="openai", quality="low").quality == "low"
    with pytest.raises(InputError, match="offline's painter does not take it"):
        GameSettings(provider="openai", image_provider="offline", quality="low")
    with pytest.raises(InputError, match="takes auto, low, medium, high, standard, hd"):
        GameSettings(provider="openai", quality="ultra")
    assert main(["models"]) == 0
    assert "quality" in capsys.readouterr().out
