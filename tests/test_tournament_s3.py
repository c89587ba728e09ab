"""A tournament whose store is s3://: games, results and resume in a bucket (moto_server)."""

import io

import pandas as pd

from image_telephone.tournament import load_tournament, run_tournament

from .conftest import S3_SECRET as SECRET
from .test_tournament_config import OFFLINE_PAIRS, write_tournament


def test_tournament_in_a_bucket_writes_results_there_and_resumes(tmp_path, bucket):
    name, client = bucket
    body = 'prompt_ids = ["red-circle"]\n' + OFFLINE_PAIRS
    tournament = load_tournament(write_tournament(tmp_path, body, turns=2))
    tournament = tournament.with_options(out=f"s3://{name}/cups/first")
    first = run_tournament(tournament)
    assert (first.games["status"] == "complete").all() and len(first.turns) == 4 * 2
    assert first.summary == f"s3://{name}/cups/first/results/summary.html"
    assert first.turns["image"].str.startswith(f"s3://{name}/cups/first/").all()

    keys = [o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"]]
    assert f"cups/first/{first.games['run_name'][0]}/run.json" in keys
    parquet = client.get_object(Bucket=name, Key="cups/first/results/turns.parquet")["Body"]
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(parquet.read())), first.turns)
    for key in keys:
        if key.endswith((".json", ".csv", ".html")):
            assert SECRET not in client.get_object(Bucket=name, Key=key)["Body"].read().decode()

    again = run_tournament(tournament)  # finished games are skipped: nothing is played
    assert again.snapshot["endpoints"] == {} and len(again.turns) == 8
