"""Runs the OpenAI-compatible test server in its own process: python -m image_telephone.testing."""

import argparse
import threading
from collections.abc import Sequence

from .faults import FAULTS, Failure, parse_failures
from .openai_server import OpenAICompatibleServer


def _failures(text: str) -> tuple[Failure, ...]:
    """An argparse type: a comma-separated list of statuses and fault names."""
    try:
        return parse_failures(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: Sequence[str] | None = None) -> None:
    """Serves on 127.0.0.1 until interrupted; prints the base URL first."""
    parser = argparse.ArgumentParser(prog="python -m image_telephone.testing")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds added to model calls")
    parser.add_argument(
        "--failure-rate",
        type=float,
        default=0.0,
        help="share of model calls that fail, drawn at random (0 to 1; default 0)",
    )
    parser.add_argument(
        "--failures",
        type=_failures,
        default=(429, 500),
        metavar="LIST",
        help=f"what a failing call answers, picked at random: HTTP statuses and faults "
        f"({', '.join(FAULTS)}), e.g. 429,500,503,malformed,truncated (default 429,500)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the failure draws")
    parser.add_argument(
        "--retry-after", default="0", help="the Retry-After header of a 429 (default 0)"
    )
    parser.add_argument(
        "--slow-seconds",
        type=float,
        default=5.0,
        help="how late a 'slow' failure answers; make it longer than the client's timeout",
    )
    parser.add_argument(
        "--sampled-captions",
        action="store_true",
        help="caption the same image differently each time, as a sampling model does",
    )
    args = parser.parse_args(argv)
    with OpenAICompatibleServer(
        delay_s=args.delay,
        seed=args.seed,
        port=args.port,
        failure_rate=args.failure_rate,
        failure_statuses=args.failures,
        retry_after=args.retry_after,
        slow_s=args.slow_seconds,
        sampled_captions=args.sampled_captions,
    ) as server:
        print(server.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
