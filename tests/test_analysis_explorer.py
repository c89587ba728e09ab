"""The Streamlit explorer through Streamlit's AppTest: deep links, the slider, missing turns."""

import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from image_telephone.analysis.explorer import APP_PATH, RUNS_ENV, explorer_command

from .test_analysis_report import RUN, TURNS, offline_game  # noqa: F401  (a shared fixture)


def _app(monkeypatch, runs: Path, **query: str) -> AppTest:
    monkeypatch.setenv(RUNS_ENV, str(runs))
    app = AppTest.from_file(str(APP_PATH), default_timeout=120)
    app.query_params.update(query)
    return app.run()


def _texts(app: AppTest) -> list[str]:
    return [element.value.replace("\\", "") for element in app.markdown]


def test_a_deep_link_opens_that_run_and_turn(offline_game, monkeypatch):  # noqa: F811
    app = _app(monkeypatch, Path(offline_game.location).parent, run=RUN, turn="3")
    assert not app.exception
    assert app.selectbox(key="run").value == RUN
    assert app.slider(key="turn").value == 3
    assert app.slider(key="turn").max == TURNS - 1
    assert [header.value for header in app.subheader] == ["turn 3"]
    assert offline_game.captions[3] in _texts(app)
    assert f"[Link to this run and turn](?run={RUN}&turn=3)" in _texts(app)
    assert len(app.image) == 3  # the turn's image, the path and the drift curves


def test_the_slider_walks_the_turns(offline_game, monkeypatch):  # noqa: F811
    app = _app(monkeypatch, Path(offline_game.location).parent)
    assert app.slider(key="turn").value == 0
    app.slider(key="turn").set_value(1).run()
    assert [header.value for header in app.subheader] == ["turn 1"]
    assert offline_game.captions[1] in _texts(app)
    assert f"[Link to this run and turn](?run={RUN}&turn=1)" in _texts(app)


def test_a_missing_image_is_shown_as_a_warning(offline_game, monkeypatch, tmp_path):  # noqa: F811
    shutil.copytree(offline_game.location, tmp_path / RUN)
    (tmp_path / RUN / "image_002.png").unlink()
    app = _app(monkeypatch, tmp_path, run=RUN, turn="2")
    assert not app.exception
    assert [warning.value for warning in app.warning] == ["image_002.png is missing"]
    assert len(app.image) == 2  # path and drift curves, no picture of the turn


def test_a_folder_without_runs_says_so(monkeypatch, tmp_path):
    app = _app(monkeypatch, tmp_path)
    assert not app.exception
    assert "No runs in" in app.info[0].value


def test_the_server_binds_loopback_headless_without_usage_stats(offline_game):  # noqa: F811
    runs = str(Path(offline_game.location).parent)
    command, environment = explorer_command(runs, 8600)
    flags = dict(zip(command[5::2], command[6::2], strict=True))
    assert command[1:5] == ["-m", "streamlit", "run", str(APP_PATH)]
    assert flags["--server.address"] == "127.0.0.1"
    assert flags["--server.port"] == "8600"
    assert flags["--server.headless"] == "true"
    assert flags["--browser.gatherUsageStats"] == "false"
    assert environment[RUNS_ENV] == str(Path(runs).resolve())
