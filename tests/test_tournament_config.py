"""Tournament files: the default prompt set, the plan, and bad files refused before any call."""

import argparse
import re
from pathlib import Path

import pytest

from image_telephone import InputError
from image_telephone.cli.tournament import add_tournament_commands
from image_telephone.tournament import load_tournament
from image_telephone.tournament.games import plan_games
from image_telephone.tournament.prompts import DEFAULT_PROMPTS, load_prompts

OFFLINE_PAIRS = """
[[captioners]]
name = "plain"
provider = "offline"

[[captioners]]
name = "verbose"
provider = "offline"
descriptiveness = "extremely"

[[painters]]
name = "sketch"
provider = "offline"

[[painters]]
name = "watercolor"
provider = "offline"
image_style = "watercolor"
size = "256x256"
"""
THREE_PROMPTS = 'prompt_ids = ["red-circle", "lighthouse-dusk", "summer-never-had"]\n'


def write_tournament(
    folder: Path, body: str, *, turns: int = 3, name: str = "cup", tracker: bool = False
) -> Path:
    """A tournament file whose games go to folder/out; body adds entries and options."""
    path = folder / f"{name}.toml"
    header = f'name = "{name}"\nturns = {turns}\nout = "{folder / "out"}"\n'
    header += f"tracker = {str(tracker).lower()}\n"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_default_prompt_set_is_graded_like_the_study():
    prompts = load_prompts(DEFAULT_PROMPTS, Path("."))
    levels = [prompt.level for prompt in prompts]
    assert len(prompts) == 10
    assert {level: levels.count(level) for level in set(levels)} == {
        "easy": 3,
        "medium": 3,
        "hard": 3,
        "impossible": 1,
    }
    assert len({prompt.id for prompt in prompts}) == 10


def test_plan_pairs_every_captioner_with_every_painter(tmp_path):
    tournament = load_tournament(
        write_tournament(tmp_path, THREE_PROMPTS + "seeds = [0, 7]\n" + OFFLINE_PAIRS)
    )
    specs = plan_games(tournament)
    assert len(specs) == 2 * 2 * 3 * 2
    names = [spec.run_name for spec in specs]
    assert len(set(names)) == len(names)
    first = specs[0]
    assert first.run_name.startswith("plain--sketch--red-circle--s0--")
    verbose_watercolor = next(
        s for s in specs if (s.captioner, s.painter) == ("verbose", "watercolor")
    )
    settings = verbose_watercolor.settings
    assert (settings.descriptiveness, settings.image_style, settings.size) == (
        "extremely",
        "watercolor",
        "256x256",
    )
    # Stable: the same file plans the same names; a changed parameter makes new games.
    assert [s.run_name for s in plan_games(load_tournament(tmp_path / "cup.toml"))] == names
    changed = write_tournament(tmp_path, THREE_PROMPTS + OFFLINE_PAIRS.replace("extremely", "very"))
    renamed = {s.run_name for s in plan_games(load_tournament(changed))}
    assert {n for n in names if n.startswith("verbose") and "--s0--" in n}.isdisjoint(renamed)


def test_own_prompt_file_relative_to_the_tournament_file(tmp_path):
    (tmp_path / "mine.toml").write_text(
        '[[prompts]]\nid = "kite"\nlevel = "easy"\ntext = "A red kite."\n', encoding="utf-8"
    )
    tournament = load_tournament(
        write_tournament(tmp_path, 'prompts = "mine.toml"\n' + OFFLINE_PAIRS)
    )
    assert [(p.id, p.level, p.text) for p in tournament.prompts] == [
        ("kite", "easy", "A red kite.")
    ]


def test_prices_are_shipped_and_overridable(tmp_path):
    body = OFFLINE_PAIRS + '[prices."gpt-4.1-mini"]\ninput_per_million = 1.0\n'
    prices = load_tournament(write_tournament(tmp_path, body)).prices
    usage = {"prompt_tokens": 2_000_000, "completion_tokens": 1_000_000}
    assert prices.cost("caption", "gpt-4.1-mini", usage) == pytest.approx(2.0)  # output now 0
    assert prices.cost("caption", "gpt-4o-mini", usage) == pytest.approx(0.3 + 0.6)
    assert prices.cost("image", "dall-e-3", None) == pytest.approx(0.04)
    image_usage = {"input_tokens": 100, "output_tokens": 1000}
    assert prices.cost("image", "gpt-image-1", image_usage) == pytest.approx(0.0005 + 0.04)
    assert prices.cost("caption", "unknown-model", usage) == 0.0
    assert prices.unpriced({"unknown-model", "offline-sketch-1"}) == ["unknown-model"]


BAD_FILES = [
    (
        OFFLINE_PAIRS.replace(
            'provider = "offline"\ndescriptiveness', 'provider = "gemini"\ndescriptiveness'
        ),
        "captioners[1].provider: 'gemini' is unknown; use one of ",
    ),
    (OFFLINE_PAIRS.split("[[painters]]")[0], "painters: is empty; add at least one [[painters]]"),
    ("painters = []\n" + OFFLINE_PAIRS.split("[[painters]]")[0], "painters: is empty"),
    ('prompts = "nowhere.toml"\n' + OFFLINE_PAIRS, "prompts: file '"),
    ("turns = 0\n" + OFFLINE_PAIRS, "turns: expected a whole number of at least 1, got 0"),
    (
        OFFLINE_PAIRS.replace("descriptiveness", "descriptivness"),
        "captioners[1].descriptivness: unknown field",
    ),
    (
        OFFLINE_PAIRS.replace('name = "verbose"', 'name = "plain"'),
        "captioners: names must be unique; rename plain",
    ),
    (
        OFFLINE_PAIRS.replace('name = "sketch"', 'name = "my-sketch"'),
        "painters[0].name: 'my-sketch'",
    ),
    (
        OFFLINE_PAIRS.replace('size = "256x256"', 'size = "big"'),
        "painters[1] ('watercolor'): size 'big'",
    ),
    ('prompt_ids = ["nope"]\n' + OFFLINE_PAIRS, "prompt_ids: 'nope' not in the prompt set"),
    ("seeds = []\n" + OFFLINE_PAIRS, "seeds: expected a list of distinct whole numbers"),
    ("max_cost = -1\n" + OFFLINE_PAIRS, "max_cost: expected a number of at least 0"),
    ("concurrency = 0\n" + OFFLINE_PAIRS, "concurrency: expected a whole number of at least 1"),
    ("[limits.offlin]\n" + OFFLINE_PAIRS, "limits.offlin: unknown field"),
    (
        OFFLINE_PAIRS.replace('descriptiveness = "extremely"', 'embeddings_model = "e5"'),
        "captioners[1].embeddings_model: a tournament has one embedder; move it to [embedder]",
    ),
    (
        OFFLINE_PAIRS + '[embedder]\nprovider = "offline"\nmodel = "e5"\n',
        "embedder.model: offline has one built-in model",
    ),
    (
        OFFLINE_PAIRS + '[embedder]\nprovider = "openai"\nsize = "1"\n',
        "embedder.size: unknown field; use one of api_key_env, base_url, model, provider",
    ),
    (
        '[limits."http://127.0.0.1:9/v1"]\nmax_in_flight = 2\n' + OFFLINE_PAIRS,
        "limits.http://127.0.0.1:9/v1: unknown field; use one of openai",
    ),
    ("turns = 3\nturns = 4\n", "not valid TOML"),
]


@pytest.mark.parametrize(("body", "message"), BAD_FILES)
def test_bad_files_are_refused_with_the_field_and_the_fix(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(f'out = "{tmp_path / "out"}"\n' + body, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_tournament(path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    print(error.value)


def test_a_bad_file_makes_no_call(tmp_path, openai_server):
    body = OFFLINE_PAIRS.replace(
        'provider = "offline"', f'provider = "openai"\nbase_url = "{openai_server.base_url}"'
    )
    path = write_tournament(tmp_path, "seeds = [-1]\n" + body)
    parser = argparse.ArgumentParser()
    handlers = add_tournament_commands(parser.add_subparsers(dest="command"))
    with pytest.raises(InputError, match="seeds"):
        handlers["tournament"](parser.parse_args(["tournament", str(path)]))
    assert openai_server.requests == [] and not (tmp_path / "out").exists()


def test_missing_tournament_file(tmp_path):
    with pytest.raises(InputError, match="tournament file .*: not found; check the path"):
        load_tournament(tmp_path / "nope.toml")


def test_the_docs_example_file_is_valid(tmp_path):
    docs = (Path(__file__).resolve().parent.parent / "docs" / "tournaments.md").read_text()
    example, prompt_file = re.findall(r"```toml\n(.*?)```", docs, re.S)[:2]
    (tmp_path / "cup.toml").write_text(example, encoding="utf-8")
    tournament = load_tournament(tmp_path / "cup.toml")
    assert [c.name for c in tournament.captioners] == ["mini", "mini_terse"]
    assert tournament.limits["openai"].requests_per_minute == 500
    local = tournament.limits_for(tournament.painters[1].endpoint)
    assert (local.max_in_flight, local.requests_per_minute) == (2, 500)
    assert tournament.embedder.model == "text-embedding-3-small"
    assert tournament.prices.cost("caption", "gpt-4.1-mini", {"prompt_tokens": 10**6}) == 0.4
    (tmp_path / "mine.toml").write_text(prompt_file, encoding="utf-8")
    assert load_prompts("mine.toml", tmp_path)[0].id == "kite"
