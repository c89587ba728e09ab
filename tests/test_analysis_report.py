"""`report` on a real offline game: the files, the HTML page, bad input, and the command line."""

import argparse
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

import image_telephone as it
from image_telephone.analysis import write_report
from image_telephone.cli.analysis import add_analysis_commands
from image_telephone.errors import TelephoneError

TURNS = 5
RUN = "drift-demo"


@pytest.fixture(scope="session")
def offline_game(tmp_path_factory) -> it.GameResult:
    """A five-turn offline game from a text prompt, reported once."""
    runs = tmp_path_factory.mktemp("runs")
    result = it.play(
        text="a bright red circle on a dark blue background",
        turns=TURNS,
        provider="offline",
        temperature=1.0,
        seed=2,
        out=str(runs),
        run_name=RUN,
        tracker=False,
    )
    write_report(result)
    return result


class ReportPage(HTMLParser):
    """The parts of a report page the tests look at."""

    def __init__(self, text: str):
        super().__init__()
        self.turns: list[dict[str, str]] = []
        self.captions: list[str] = []
        self.figures: dict[str, str] = {}
        self.addresses: list[str] = []
        self._figure: str | None = None
        self._in_caption = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "li" and "turn" in attributes.get("class", "").split():
            self.turns.append(attributes)
        if tag == "figure":
            self._figure = attributes.get("id")
        if tag == "p" and attributes.get("class") == "caption":
            self._in_caption = True
            self.captions.append("")
        if tag == "img" and self._figure:
            self.figures[self._figure] = attributes["src"]
        self.addresses += [attributes[name] for name in ("src", "href") if name in attributes]

    def handle_endtag(self, tag):
        if tag == "figure":
            self._figure = None
        if tag == "p":
            self._in_caption = False

    def handle_data(self, data):
        if self._in_caption:
            self.captions[-1] += data


def report_page(folder) -> ReportPage:
    """The parsed report.html of a folder."""
    return ReportPage((folder / "report.html").read_text(encoding="utf-8"))


def _folder(result: it.GameResult) -> Path:
    return Path(result.location)


def test_report_page_has_every_turn_and_embeds_the_plots(offline_game):
    text = (_folder(offline_game) / "report.html").read_text(encoding="utf-8")
    page = ReportPage(text)
    assert [entry["data-turn"] for entry in page.turns] == [str(t) for t in range(TURNS)]
    assert [entry["id"] for entry in page.turns] == [f"turn-{t}" for t in range(TURNS)]
    assert not any("missing" in entry["class"] for entry in page.turns)
    assert page.figures["drift"].startswith("data:image/png;base64,")
    assert page.figures["path"].startswith("data:image/png;base64,")
    assert page.figures["chain"].startswith("data:image/gif;base64,")
    # readable offline: nothing is fetched from anywhere
    assert not [a for a in page.addresses if a.startswith(("http:", "https:", "//"))]
    assert page.captions == offline_game.captions
    assert "the start prompt" in text  # a text start is measured from its prompt


def test_report_writes_metrics_and_pictures_next_to_the_run(offline_game):
    folder = _folder(offline_game)
    table = pd.read_csv(folder / "metrics.csv")
    assert list(table["turn"]) == list(range(TURNS))
    assert table["caption"].tolist() == offline_game.captions
    assert table["distance_to_start"].between(0, 2).all()
    game = json.loads((folder / "metrics.json").read_text())
    assert game["turns"] == TURNS and game["reference"] == "the start prompt"
    assert {"convergence_turn", "half_life", "total_drift", "path_length"} <= set(game)
    with Image.open(folder / "chain.gif") as gif:
        assert gif.n_frames == TURNS
    with Image.open(folder / "contact_sheet.png") as sheet:
        assert sheet.width > sheet.height / 2
    assert (folder / "chain.mp4").exists() == bool(shutil.which("ffmpeg"))


def test_missing_image_and_corrupt_metadata_are_marked_not_fatal(offline_game, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(_folder(offline_game), broken)
    (broken / "image_002.png").unlink()
    (broken / "metadata_003.json").write_text("{ not json", encoding="utf-8")
    write_report(str(broken))
    page = report_page(broken)
    missing = ["missing" in entry["class"].split() for entry in page.turns]
    assert missing == [False, False, True, True, False]
    text = (broken / "report.html").read_text(encoding="utf-8")
    assert "image_002.png is missing" in text and "metadata_003.json is not valid JSON" in text
    table = pd.read_csv(broken / "metrics.csv")
    assert table["missing"].tolist() == missing
    assert pd.isna(table.loc[3, "distance_to_start"]) and pd.isna(table.loc[2, "histogram_change"])


def cli(*argv: str) -> tuple[int, str]:
    """Runs an analysis subcommand as image-telephone's main() does: (exit code, error)."""
    parser = argparse.ArgumentParser(prog="image-telephone")
    handlers = add_analysis_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return handlers[args.command](args), ""
    except TelephoneError as error:
        return error.exit_code, str(error)


def test_report_command_writes_to_another_folder(offline_game, tmp_path):
    runs = str(_folder(offline_game).parent)
    out = tmp_path / "elsewhere"
    code = cli("report", RUN, "--runs", runs, "--out", str(out), "--convergence-turns", "2")
    assert code == (0, "")
    assert len(report_page(out).turns) == TURNS
    assert json.loads((out / "metrics.json").read_text())["convergence_turns"] == 2


def test_a_folder_that_is_not_a_run_is_a_one_line_input_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    code, message = cli("report", str(tmp_path))
    assert code == 2
    assert "not a run folder" in message and str(tmp_path) in message and "\n" not in message
    code, message = cli("report", "no-such-run", "--runs", str(tmp_path))
    assert code == 2 and "no-such-run" in message
    assert cli("explore", str(tmp_path))[0] == 2


def test_the_wired_command_exits_non_zero_on_a_non_run_folder(tmp_path, capsys):
    from image_telephone.cli import main

    try:
        code = main(["report", str(tmp_path)])
    except SystemExit:
        pytest.skip("report is not wired into image_telephone.cli yet")
    assert code == 2
    assert "not a run folder" in capsys.readouterr().err


def test_analysis_docs_run_top_to_bottom(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    docs = Path(__file__).resolve().parent.parent / "docs" / "analysis.md"
    cells = re.findall(r"```python\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    namespace: dict = {}
    for cell in cells:
        exec(compile(cell, "analysis.md", "exec"), namespace)
    assert len(namespace["frame"]) == 6
    assert (tmp_path / "runs" / "drift-notebook" / "report.html").is_file()
    assert (tmp_path / "runs" / "drift-notebook-path.png").stat().st_size > 10_000
    assert "report.html" in capsys.readouterr().out
