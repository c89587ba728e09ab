"""Runs the OpenAI-compatible test server in its own process: python -m image_telephone.testing."""

import argparse
import threading

from .openai_server import OpenAICompatibleServer


def main() -> None:
    """Serves on 127.0.0.1 until interrupted; prints the base URL first."""
    parser = argparse.ArgumentParser(prog="python -m image_telephone.testing")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds added to model calls")
    args = parser.parse_args()
    with OpenAICompatibleServer(delay_s=args.delay, port=args.port) as server:
        print(server.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
