"""S3 persistence overhead per turn: the same offline game to moto_server vs a local folder."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import uuid

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
os.environ.setdefault("BURR_TELEMETRY_ENABLED", "false")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import boto3  # noqa: E402

from benchmarks.bench_game import START, TurnClock  # noqa: E402
from image_telephone import play  # noqa: E402
from tests.s3_server import MotoServer  # noqa: E402

TURNS = 40
TARGET_MS = 20


def turn_median_ms(out: str, name: str) -> float:
    clock = TurnClock()
    play(
        text=START,
        turns=TURNS,
        provider="offline",
        out=out,
        run_name=name,
        on_step=clock,
        tracker=False,
    )
    return statistics.median(clock.durations()) * 1000


def main() -> int:
    with tempfile.TemporaryDirectory() as local, MotoServer() as moto:
        os.environ.update(
            AWS_ENDPOINT_URL=moto.endpoint,
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
        )
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        boto3.client("s3", endpoint_url=moto.endpoint).create_bucket(Bucket=bucket)
        turn_median_ms(local, "warmup")
        local_ms, s3_ms = [], []
        for round_ in range(3):  # interleaved rounds, so machine noise hits both alike
            local_ms.append(turn_median_ms(local, f"local-{round_}"))
            s3_ms.append(turn_median_ms(f"s3://{bucket}/runs", f"s3-{round_}"))
    local_median, s3_median = statistics.median(local_ms), statistics.median(s3_ms)
    added = s3_median - local_median
    print(f"turn median, local folder      {local_median:8.2f} ms")
    print(f"turn median, S3 (moto_server)  {s3_median:8.2f} ms  ({s3_median / local_median:.2f}x)")
    print(f"added by S3 per turn           {added:8.2f} ms  (target <= {TARGET_MS} ms)")
    return 0 if added <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
