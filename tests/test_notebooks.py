"""The notebooks run in a real kernel, twice in a row in one folder, and show their pictures."""

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
PICTURE = "picture"  # the tag of a cell that promises a picture
NEEDS_DOT = {"02_pictures.ipynb"}


def execute(notebook: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Runs every cell in a fresh python3 kernel with folder as its working directory."""
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    return client.execute()


def pictures_missing(notebook: nbformat.NotebookNode) -> list[str]:
    """The sources of the cells tagged 'picture' that have no image/png output."""
    return [
        cell.source.splitlines()[-1]
        for cell in notebook.cells
        if PICTURE in cell.metadata.get("tags", [])
        and not any("image/png" in output.get("data", {}) for output in cell.outputs)
    ]


def test_notebooks_are_stored_without_outputs():
    assert [path.name for path in NOTEBOOKS] == [
        "01_play_and_step.ipynb",
        "02_pictures.ipynb",
        "03_tournament.ipynb",
    ]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert not any(cell.outputs or cell.execution_count for cell in code), path.name
        assert any(PICTURE in cell.metadata.get("tags", []) for cell in code), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_twice_in_the_same_folder(path, tmp_path):
    if path.name in NEEDS_DOT and shutil.which("dot") is None:
        pytest.skip("graphviz 'dot' is not installed")
    for attempt in ("first run", "second run"):
        notebook = nbformat.read(path, as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)"))
        execute(notebook, tmp_path)  # raises CellExecutionError on a cell's error
        assert pictures_missing(notebook) == [], attempt
        kernel_prefix = notebook.cells[-1].outputs[0]["text"].strip()
        assert Path(kernel_prefix).resolve() == Path(sys.prefix).resolve()  # this venv's python
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )
    if path.name == "01_play_and_step.ipynb":  # the rerun resumed finished runs: no steps
        assert "next action: none: the run is finished" in printed
        assert "generate  images=" not in printed
        assert "image_003.png  →" in printed
