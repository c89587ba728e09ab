"""Tournaments against a real OpenAI-compatible server: 429s and 500s retried and counted, a
game whose calls always fail reported failed while the rest finish, limits kept (across worker
processes too), no secrets."""

import multiprocessing
import threading
import time

import httpx2
import pandas as pd
import pytest

from image_telephone.testing import OpenAICompatibleServer
from image_telephone.tournament import load_tournament, run_tournament
from image_telephone.tournament.config import Endpoint
from image_telephone.tournament.coordinator import Coordinator
from image_telephone.tournament.cost import PriceTable
from image_telephone.tournament.limits import Gate, ProviderLimits
from image_telephone.tournament.shared import ProcessShared
from image_telephone.tournament.transport import LimitedTransport, build_client

from .test_tournament_config import write_tournament
from .test_tournament_offline import tournament_command

SECRET = "sk-tournament-secret-4242"
FAST_RETRIES = "max_retries = 8\nbackoff_s = 0.01\nmax_backoff_s = 0.05\n"


def api_pairs(base_url: str) -> str:
    entry = f'provider = "openai"\nbase_url = "{base_url}"\napi_key_env = "TOURNAMENT_KEY"\n'
    return f"""
[[captioners]]
name = "mini"
model = "gpt-4o-mini"
{entry}
[[captioners]]
name = "big"
model = "gpt-4o"
descriptiveness = "very"
{entry}
[[painters]]
name = "gptimage"
model = "gpt-image-1"
size = "256x256"
{entry}
[[painters]]
name = "dalle2"
model = "dall-e-2"
size = "256x256"
{entry}
"""


def test_flaky_server_tournament_retries_and_isolates_a_failing_painter(tmp_path, monkeypatch):
    monkeypatch.setenv("TOURNAMENT_KEY", SECRET)
    with OpenAICompatibleServer(
        failure_rate=0.3,
        failure_statuses=(429, 500),
        retry_after="0.02",
        always_fail_models={"dall-e-2"},
    ) as server:
        body = 'prompt_ids = ["red-circle", "fruit-market"]\nconcurrency = 8\n'
        body += api_pairs(server.base_url) + f"[limits.openai]\nmax_in_flight = 4\n{FAST_RETRIES}"
        result = run_tournament(load_tournament(write_tournament(tmp_path, body, turns=2)))
        requests = server.requests
        endpoint = Endpoint("openai", server.base_url, "TOURNAMENT_KEY").label

    games = result.games.set_index("run_name")
    failed = games[games["status"] == "failed"]
    assert set(failed["painter"]) == {"dalle2"} and len(failed) == 4
    assert failed["reason"].str.contains("dall-e-2 failed to draw the caption").all()
    assert (games.loc[games["painter"] == "gptimage", "status"] == "complete").all()
    assert len(result.turns) == 4 * 2 and set(result.turns["painter"]) == {"gptimage"}

    counts = result.snapshot["endpoints"][endpoint]
    assert counts["calls"] == len(requests)
    assert counts["errors"] == sum(r.status >= 400 for r in requests)
    assert counts["rate_limited"] == sum(r.status == 429 for r in requests) > 0
    assert sum(r.status == 500 for r in requests) > 0
    # Every failed request but the last attempt of each failing call was retried.
    assert counts["retries"] == counts["errors"] - 4
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in requests)

    pairs = result.pairs.set_index(["captioner", "painter"])
    assert pairs.loc[("mini", "dalle2"), "games_failed"] == 2
    assert result.totals["cost_usd"] == pytest.approx(result.turns["cost_usd"].sum())
    assert result.totals["cost_usd"] > 0 and result.totals["unpriced_models"] == []
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".csv", ".html"):
            assert SECRET not in path.read_text(encoding="utf-8"), path


def gates(limits: ProviderLimits, endpoint: str = "api") -> Coordinator:
    return Coordinator({endpoint: limits}, PriceTable({}), None)


def test_retry_after_pauses_every_request_to_the_endpoint(monkeypatch):
    with OpenAICompatibleServer(script=[(429, {"retry-after": "0.4"})]) as server:
        endpoint, limits = Endpoint("openai", server.base_url), ProviderLimits(backoff_s=0.01)
        coordinator = gates(limits, endpoint.label)
        client = build_client(endpoint, limits, coordinator)
        finished: dict[str, float] = {}

        def embed(name: str) -> None:
            client.embeddings.create(input=["a kite"], model="text-embedding-3-small")
            finished[name] = time.perf_counter() - started

        started = time.perf_counter()
        first = threading.Thread(target=embed, args=("first",))
        first.start()
        time.sleep(0.15)  # the first call has had its 429 by now
        embed("second")
        first.join()
    assert [r.status for r in server.requests] == [429, 200, 200]
    assert finished["first"] >= 0.4 and finished["second"] >= 0.4
    stats = coordinator.snapshot()["endpoints"][endpoint.label]
    assert (stats["calls"], stats["retries"], stats["rate_limited"]) == (3, 1, 1)


def run_through_transport(
    limits: ProviderLimits, requests: int, delay_s: float
) -> tuple[int, float]:
    """(most requests seen in flight at once, seconds taken) for parallel requests."""
    lock, in_flight, most = threading.Lock(), [0], [0]

    def answer(request: httpx2.Request) -> httpx2.Response:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(delay_s)
        with lock:
            in_flight[0] -= 1
        return httpx2.Response(200, json={})

    transport = LimitedTransport(gates(limits), "api", limits, httpx2.MockTransport(answer))
    client = httpx2.Client(transport=transport)
    started = time.perf_counter()
    threads = [threading.Thread(target=client.get, args=("http://api/x",)) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return most[0], time.perf_counter() - started


def test_requests_in_flight_are_capped():
    most, _ = run_through_transport(ProviderLimits(max_in_flight=3), requests=12, delay_s=0.05)
    assert most == 3


def test_requests_per_minute_are_paced():
    # 1200 a minute: a burst of 20 (one second's worth), then one every 50 ms.
    _, seconds = run_through_transport(
        ProviderLimits(requests_per_minute=1200), requests=30, delay_s=0
    )
    assert 0.45 <= seconds < 2.0


def test_a_tournament_where_every_game_fails_still_reports(tmp_path, monkeypatch):
    monkeypatch.setenv("TOURNAMENT_KEY", SECRET)
    with OpenAICompatibleServer(always_fail_models={"gpt-image-1"}) as server:
        body = 'prompt_ids = ["red-circle"]\n' + api_pairs(server.base_url).split("[[painters]]")[0]
        body += api_pairs(server.base_url).split("[[painters]]")[1].join(["[[painters]]", ""])
        body += f"[limits.openai]\n{FAST_RETRIES}"
        path = write_tournament(tmp_path, body, turns=2)
        assert tournament_command(str(path)) == 3
    games = pd.read_csv(tmp_path / "out" / "results" / "games.csv")
    assert (games["status"] == "failed").all() and len(games) == 2
    assert pd.read_csv(tmp_path / "out" / "results" / "turns.csv").empty
    page = (tmp_path / "out" / "results" / "summary.html").read_text()
    assert "2 games: 2 failed" in page and "gpt-image-1 failed to draw the caption" in page


def test_connection_errors_are_retried_and_client_errors_are_not():
    attempts = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        attempts.append(request.url.path)
        if len(attempts) == 1:
            raise httpx2.ConnectError("connection refused")
        return httpx2.Response(400 if request.url.path == "/bad" else 200, json={})

    limits = ProviderLimits(backoff_s=0.001)
    coordinator = gates(limits)
    transport = LimitedTransport(coordinator, "api", limits, httpx2.MockTransport(answer))
    client = httpx2.Client(transport=transport)
    assert client.get("http://api/good").status_code == 200
    assert client.get("http://api/bad").status_code == 400
    assert attempts == ["/good", "/good", "/bad"]
    stats = coordinator.snapshot()["endpoints"]["api"]
    assert (stats["calls"], stats["errors"], stats["retries"]) == (3, 2, 1)


def _hold_the_gate(gate: Gate, holders, most, lock, seconds: float) -> None:
    for _ in range(3):
        gate.enter()
        with lock:
            holders.value += 1
            most.value = max(most.value, holders.value)
        time.sleep(seconds)
        with lock:
            holders.value -= 1
        gate.leave(200, False, None)


def test_a_process_shared_gate_caps_requests_in_flight_across_processes():
    context = multiprocessing.get_context()
    gate = Gate(ProviderLimits(max_in_flight=2), ProcessShared())
    holders, most, lock = context.RawValue("i", 0), context.RawValue("i", 0), context.Lock()
    workers = [
        context.Process(target=_hold_the_gate, args=(gate, holders, most, lock, 0.05))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert most.value == 2  # four processes wanted in; two at a time got in
    assert gate.stats() == {
        "calls": 12,
        "errors": 0,
        "retries": 0,
        "rate_limited": 0,
        "in_flight": 0,
    }
