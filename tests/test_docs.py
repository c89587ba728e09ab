"""The docs stay true: the notebook page runs, the pictures command draws all three pictures."""

import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from image_telephone.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_notebook_page_runs_top_to_bottom(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    cells = re.findall(r"```python\n(.*?)```", (DOCS / "notebook.md").read_text(), re.S)
    assert len(cells) >= 4
    namespace: dict = {}
    for cell in cells:
        exec(compile(cell, "notebook.md", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "image_000.png →" in printed and "terminal" in printed
    assert len(namespace["result"].captions) == 4
    assert (tmp_path / "runs" / "notebook-statemachine.png").is_file()
    assert namespace["out"]["generated_caption"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' is not installed")
def test_pictures_command_draws_state_machine_and_dags(tmp_path):
    assert main(["pictures", str(tmp_path)]) == 0
    for name in (
        "statemachine",
        "statemachine_more",
        "statemachine_story",
        "caption_images",
        "generate_images",
        "rewrite_captions",
        "drift",
    ):
        with Image.open(tmp_path / f"{name}.png") as image:
            assert image.size[0] > 100 and image.size[1] > 100
