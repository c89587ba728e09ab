"""The Ray executor on a local Ray instance plays the same games, to the same table."""

import pandas as pd
import pytest

from image_telephone.tournament import RayExecutor, load_tournament, run_tournament

from .test_tournament_config import OFFLINE_PAIRS, THREE_PROMPTS, write_tournament
from .test_tournament_offline import VOLATILE, check_complete_table

ray = pytest.importorskip(
    "ray", reason="Ray is an optional extra: pip install 'image-telephone[ray]'"
)


@pytest.fixture
def local_ray(monkeypatch):
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
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
