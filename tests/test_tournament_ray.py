"""The Ray executor: on a local Ray instance it plays the same games, to the same table; a Ray it
cannot reach is one line and exit 2; a worker without the API key names it, and a key forwarded
on request is written nowhere."""

import importlib.util
import socket
import sys
from pathlib import Path

import pandas as pd
import pytest

from image_telephone.cli import main
from image_telephone.testing import OpenAICompatibleServer
from image_telephone.tournament import RayExecutor, load_tournament, run_tournament

from .test_tournament_config import OFFLINE_PAIRS, THREE_PROMPTS, write_tournament
from .test_tournament_offline import VOLATILE, check_complete_table

ray = pytest.importorskip(
    "ray", reason="Ray is an optional extra: pip install 'image-telephone[ray]'"
)

KEY = "RAY_TOURNAMENT_KEY"
SECRET = "sk-ray-forwarded-secret-7130"
NO_CLIENT = "a ray:// address needs Ray Client support, which is not installed; "
NO_CLIENT += "pip install 'image-telephone[ray]'"


def _port_nobody_listens_on() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# These run before the module's Ray instance starts (a process connected to Ray keeps using it).
@pytest.mark.parametrize(
    "address, recorded, said",
    [
        ("ray://127.0.0.1:10001", None, f"--ray-address ray://127.0.0.1:10001: {NO_CLIENT}"),
        ("auto", None, "--ray-address auto: no Ray cluster to join (RAY_ADDRESS is not set and"),
        ("auto", "127.0.0.1:{port}", "no Ray cluster answers at 127.0.0.1:{port} ("),
        ("127.0.0.1:{port}", None, "--ray-address 127.0.0.1:{port}: no Ray cluster answers at"),
    ],
    ids=["ray-client-missing", "auto-no-cluster", "auto-stale-record", "nothing-at-address"],
)
def test_a_ray_it_cannot_reach_is_one_line_and_exit_2(
    tmp_path, monkeypatch, capsys, address, recorded, said
):
    if importlib.util.find_spec("grpc") is not None:  # ray[client] is installed: hide it
        monkeypatch.setitem(sys.modules, "grpc", None)
    port = _port_nobody_listens_on()
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path))  # where `ray start` records its cluster
    if recorded:
        (tmp_path / "ray").mkdir()
        (tmp_path / "ray" / "ray_current_cluster").write_text(recorded.format(port=port))
    path = write_tournament(tmp_path, THREE_PROMPTS + OFFLINE_PAIRS)
    address = address.format(port=port)
    assert main(["tournament", str(path), "--executor", "ray", "--ray-address", address]) == 2
    printed = capsys.readouterr().err
    assert printed.startswith("error: ") and printed.count("\n") == 1, printed
    assert said.format(port=port) in printed
    assert not ray.is_initialized()


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    """One local Ray instance for the module, started without KEY (as a cluster whose nodes were
    started without it); its workers' HOME (~/.burr) and Ray's session folder, for inspection."""
    home = tmp_path_factory.mktemp("ray-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAY_USAGE_STATS_ENABLED", "0")
        patch.setenv("HOME", str(home))
        patch.delenv(KEY, raising=False)
        patch.delenv("OPENAI_API_KEY", raising=False)
        ray.init("local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        session = Path(ray._private.worker.global_worker.node.get_session_dir_path())
        try:
            yield home, session
        finally:
            ray.shutdown()


def test_ray_executor_gives_the_thread_executors_table(tmp_path, local_ray):
    tournament = load_tournament(write_tournament(tmp_path, THREE_PROMPTS + OFFLINE_PAIRS))
    threads = run_tournament(tournament)
    on_ray = run_tournament(
        tournament.with_options(out=str(tmp_path / "ray")),
        RayExecutor(tournament.concurrency),
    )
    check_complete_table(on_ray.turns)
    assert (on_ray.games["status"] == "complete").all()
    assert on_ray.snapshot["endpoints"]["offline"]["calls"] == 36 * 3
    pd.testing.assert_frame_equal(
        on_ray.turns.drop(columns=VOLATILE), threads.turns.drop(columns=VOLATILE)
    )
    assert (tmp_path / "ray" / "results" / "summary.html").is_file()


def test_a_worker_without_the_key_names_it_and_a_forwarded_key_is_written_nowhere(
    tmp_path, monkeypatch, local_ray
):
    monkeypatch.setenv(KEY, SECRET)  # here, not on the workers
    with OpenAICompatibleServer() as server:
        entry = f'provider = "openai"\nbase_url = "{server.base_url}"\napi_key_env = "{KEY}"\n'
        body = 'prompt_ids = ["red-circle"]\n'
        body += f'[[captioners]]\nname = "mini"\nmodel = "gpt-4o-mini"\n{entry}'
        body += f'[[painters]]\nname = "dalle2"\nmodel = "dall-e-2"\nsize = "256x256"\n{entry}'
        tournament = load_tournament(write_tournament(tmp_path, body, turns=1, tracker=True))
        without = run_tournament(tournament, RayExecutor(1))
        forwarded = run_tournament(tournament, RayExecutor(1, forward_env=[KEY]))
        requests = server.requests

    reason = f"worker on host {socket.gethostname()} has no {KEY}: pass it in the cluster's "
    reason += f"environment or opt in with --ray-forward-env {KEY}"
    assert without.games[["status", "reason"]].values.tolist() == [["failed", reason]]
    assert forwarded.games["status"].tolist() == ["complete"] and len(forwarded.turns) == 1
    # No call went out without the key (the only calls before forwarding: the start prompt's
    # embedding, made here).
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in requests)
    home, session = local_ray
    written = [tmp_path / "out", home / ".burr", session]
    files = [path for folder in written for path in folder.rglob("*") if path.is_file()]
    assert any(path.name == "run.json" for path in files)
    assert any(path.is_relative_to(home / ".burr") for path in files)
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
