"""Titling 1,000 images against the test server adding 200 ms per call, at concurrency 16."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")

from image_telephone.providers.offline import sketch  # noqa: E402
from image_telephone.testing import OpenAICompatibleServer  # noqa: E402
from image_telephone.titling import TitleSettings, title_folder  # noqa: E402

IMAGES, DELAY_S, CONCURRENCY = 1000, 0.2, 16


def main() -> int:
    ideal = IMAGES * DELAY_S / CONCURRENCY
    with tempfile.TemporaryDirectory() as work, OpenAICompatibleServer(delay_s=DELAY_S) as server:
        folder = Path(work) / "art"
        folder.mkdir()
        for index in range(IMAGES):
            (folder / f"art_{index:04d}.png").write_bytes(sketch(f"art {index}", size=(64, 64)))
        settings = TitleSettings(
            provider="openai",
            base_url=server.base_url,
            candidates=3,
            max_title_words=20,
            max_tokens=12,
        )
        started = time.perf_counter()
        report = title_folder(
            str(folder), Path(work) / "titles.csv", settings, CONCURRENCY, api_key="bench"
        )
        elapsed = time.perf_counter() - started
    print(f"titled {report.titled} of {IMAGES}, failed {len(report.failed)}")
    print(
        f"elapsed {elapsed:.2f} s; ideal {ideal:.2f} s; ratio {elapsed / ideal:.2f} (target <= 1.5)"
    )
    return 0 if elapsed <= 1.5 * ideal and report.titled == IMAGES else 1


if __name__ == "__main__":
    sys.exit(main())
