"""A lean core: the heavy parts are extras, a command whose extra is missing says which to install
in one line (exit code 2), and importing the package or starting the command loads no heavy
library until a command needs it."""

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import image_telephone
from image_telephone.extras import EXTRA_MODULES, MissingExtraError, require_extra

PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"
# Libraries that take from a tenth of a second to seconds to import.
HEAVY = ("pandas", "numpy", "PIL", "burr", "hamilton", "openai", "boto3", "matplotlib")
HEAVY += ("pyarrow", "streamlit", "ray", "fiftyone")


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    """Python code in a process of its own; sys.argv[1:] are args."""
    command = [sys.executable, "-c", textwrap.dedent(code), *args]
    return subprocess.run(command, capture_output=True, text=True)


def _requirement_names(requirements: list[str]) -> dict[str, set[str]]:
    """{distribution name: its extras} of requirement strings."""
    names = {}
    for requirement in requirements:
        name, extras = re.match(r"([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?", requirement).groups()
        names[name.lower()] = {extra.strip() for extra in (extras or "").split(",") if extra}
    return names


def test_the_core_install_leaves_the_heavy_parts_to_extras():
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    core = _requirement_names(project["dependencies"])
    assert not {"matplotlib", "pyarrow", "streamlit", "ray", "fiftyone", "graphviz"} & set(core)
    assert core["apache-burr"] == {"tracking-client"}  # not the UI server (psutil<6)
    extras = {
        name: _requirement_names(reqs) for name, reqs in project["optional-dependencies"].items()
    }
    assert extras["ui"]["apache-burr"] >= {"tracking", "cli"}
    assert "client" in extras["ray"]["ray"]
    assert extras["all"]["image-telephone"] == set(EXTRA_MODULES)
    assert extras["test"]["image-telephone"] == set(EXTRA_MODULES) - {"fiftyone"}


def test_the_test_extra_installs_the_extras_the_suite_uses():
    for extra in set(EXTRA_MODULES) - {"fiftyone"}:  # FiftyOne's one test skips without it
        require_extra(extra, "the test suite")


MISSING = [
    ("streamlit", ["explore"], "explore", "explorer"),
    ("matplotlib", ["report", "some-run"], "report", "report"),
    ("pyarrow", ["report", "some-run"], "report", "report"),
    ("fastapi", ["ui"], "ui", "ui"),
    ("pyarrow", ["tournament", "t.toml"], "tournament", "report"),
    ("fiftyone", ["tournament", "t.toml", "--fiftyone", "d"], "tournament --fiftyone", "fiftyone"),
    ("graphviz", ["pictures", "FOLDER"], "pictures", "report"),
]


@pytest.mark.parametrize(("module", "argv", "feature", "extra"), MISSING)
def test_a_command_whose_extra_is_missing_says_which_in_one_line(
    module, argv, feature, extra, tmp_path
):
    done = _python(
        """
        import json, sys
        sys.modules[sys.argv[1]] = None  # as if it were not installed
        from image_telephone.cli import main
        sys.exit(main(json.loads(sys.argv[2])))
        """,
        module,
        json.dumps([str(tmp_path) if arg == "FOLDER" else arg for arg in argv]),
    )
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"error: {feature}: needs the {extra} extra ({module}")
    assert line.endswith(f"pip install 'image-telephone[{extra}]'")


def test_plot_without_matplotlib_names_the_report_extra(tmp_path, monkeypatch):
    result = image_telephone.play(
        text="a red kite", turns=1, provider="offline", out=str(tmp_path), tracker=False
    )
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert len(result.metrics()) == 1  # pandas is in the core
    with pytest.raises(MissingExtraError, match=r"image-telephone\[report\]"):
        result.plot()


def test_importing_the_package_loads_no_heavy_library():
    done = _python(
        """
        import json, sys
        import image_telephone as it
        loaded = sorted(name for name in json.loads(sys.argv[1]) if name in sys.modules)
        api = [it.play, it.GameResult, it.GameSettings, it.build_application, it.open_application]
        print(json.dumps([loaded, [item.__name__ for item in api], it.__version__]))
        """,
        json.dumps(HEAVY),
    )
    loaded, api, version = json.loads(done.stdout)
    assert loaded == []
    assert api == ["play", "GameResult", "GameSettings", "build_application", "open_application"]
    assert version == image_telephone.__version__
    assert set(image_telephone.__all__) <= set(dir(image_telephone))


@pytest.fixture(scope="module")
def saved_runs(tmp_path_factory) -> Path:
    """A folder with one finished offline game."""
    runs = tmp_path_factory.mktemp("runs")
    image_telephone.play(
        text="a red kite", turns=1, provider="offline", out=str(runs), tracker=False
    )
    return runs


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["--version"], ["run", "--help"], ["runs"], ["runs", "--json"], ["show", "RUN"]],
)
def test_the_command_starts_without_heavy_libraries(argv, saved_runs):
    if argv[0] in ("runs", "show"):
        argv = [*argv, "--out", str(saved_runs)]
    argv = [next(saved_runs.iterdir()).name if arg == "RUN" else arg for arg in argv]
    done = _python(
        """
        import json, sys
        from image_telephone.cli import main
        try:
            code = main(json.loads(sys.argv[1]))
        except SystemExit as exit:
            code = exit.code
        loaded = sorted(name for name in json.loads(sys.argv[2]) if name in sys.modules)
        print(json.dumps([code, loaded]), file=sys.stderr)
        """,
        json.dumps(argv),
        json.dumps(HEAVY),
    )
    code, loaded = json.loads(done.stderr.splitlines()[-1])
    assert (code or 0, loaded) == (0, [])


@pytest.mark.parametrize("first", ["image_telephone", "libraries"])
def test_savers_and_the_tracker_serializer_register_whichever_loads_first(first, tmp_path):
    done = _python(
        """
        import json, sys
        if sys.argv[1] == "image_telephone":
            import image_telephone
        from hamilton import driver
        from hamilton.io.materialization import to
        import burr.core.serde as serde
        import image_telephone
        from image_telephone.store.artifacts import Artifact

        import hamilton.io
        savers = [name for name in ("image_s3", "json_s3", "image_file", "json_file")
                  if hasattr(to, name)]
        record = serde.serialize(Artifact("image_001.png", b"\\x89PNG", "image/png"))
        loader = type(hamilton.io.__spec__.loader).__name__
        print(json.dumps([savers, record, loader]))
        """,
        first,
    )
    savers, record, loader = json.loads(done.stdout)
    assert savers == ["image_s3", "json_s3", "image_file", "json_file"]
    assert record["key"] == "image_001.png" and record["bytes"] == 4  # not the bytes themselves
    assert loader == "SourceFileLoader"  # the module keeps its own loader


def test_every_package_folder_is_installed_by_a_non_editable_install():
    listed = set(tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["packages"])
    package = Path(image_telephone.__file__).parent
    folders = {
        ".".join(init.parent.relative_to(package.parent).parts)
        for init in package.rglob("__init__.py")
    }
    assert folders <= listed, f"add to [tool.setuptools] packages: {sorted(folders - listed)}"
