"""Runs a tournament end to end: plan, play (resuming), collect, measure, write the results."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pandas as pd

from image_telephone.analysis.judges import (
    Judge,
    JudgeCache,
    PlayersJudge,
    default_spec,
    judge_from_spec,
)
from image_telephone.store.storage import open_store
from image_telephone.tournament import plots

from .config import Tournament
from .distances import PromptEmbeddings, embedders, measure_turns, prefetch_vectors
from .executors import Executor, ThreadExecutor
from .games import FAILED, GameSetup, plan_games
from .leaderboard import level_leaderboard, pair_leaderboard
from .outputs import SUMMARY, write_outputs
from .results import collect_turns, games_frame, totals
from .study_report import image_reader

logger = logging.getLogger(__name__)

RESULTS = "results"  # the results folder beside the games' run folders (no run is named so)
REPORT_PAGE = "report.html"  # what `image-telephone report` writes into a run folder


class Progress(Protocol):
    """What the runner tells a live display."""

    def begin(self, games: int, turns: int, turns_done: int) -> None: ...

    def update(self, snapshot: dict[str, Any]) -> None: ...

    def end(self) -> None: ...


@dataclasses.dataclass(frozen=True)
class TournamentResult:
    """What a tournament run produced: the tables, totals and where the files are."""

    location: str
    games: pd.DataFrame
    turns: pd.DataFrame
    pairs: pd.DataFrame
    levels: pd.DataFrame
    totals: dict[str, Any]
    snapshot: dict[str, Any]
    written: list[str]
    # Why some distances are missing (the judge or the prompts' embeddings failed), if any.
    unmeasured: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """The URI of the summary page."""
        return next(uri for uri in self.written if uri.endswith(SUMMARY))

    @property
    def failed(self) -> int:
        """How many games failed."""
        return int((self.games["status"] == FAILED).sum())


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic garbage collection inside: building the results allocates fast, and a full
    collection over this process's heap (pandas, matplotlib, …) stalls them ~0.1 s."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _WhileGamesPlay:
    """Runs the results' slow first steps (the prompts' vectors, the first figure) on a thread
    while the games play, instead of after the last one."""

    def __init__(self, *steps: Callable[[], None]):
        self.steps = steps
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Starts the steps (once; later calls do nothing)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="results-preparation")
            self._thread.start()

    def join(self) -> None:
        """Waits for the steps, if they started."""
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        for step in self.steps:
            step()


def _prefetch_judge(judged: JudgeCache, prompts: list[str]) -> None:
    """Loads the judge and measures the start prompts while the games play; a failure is left
    to the measuring, which tries again and reports it."""
    if isinstance(judged.judge, PlayersJudge):
        return
    try:
        judged.text_vectors(prompts)
    except Exception as error:
        logger.info("the judge's start prompt vectors not prefetched: %s", error)


def embedder_record(tournament: Tournament) -> dict[str, str]:
    """Who embedded every caption and start prompt: provider, model and endpoint (its label)."""
    embedder = tournament.embedder
    return {
        "provider": embedder.endpoint.provider,
        "model": str(embedder.model),
        "endpoint": embedder.endpoint.label,
    }


def tournament_judge(tournament: Tournament, spec: str | None = None) -> Judge:
    """The judge: spec, else the file's [judge], else the default (minilm with the judge extra,
    else the players' embedder, with its record)."""
    judge = judge_from_spec(spec or tournament.judge or default_spec())
    if isinstance(judge, PlayersJudge):
        embedder = embedder_record(tournament)
        judge.model, judge.endpoint = embedder["model"], embedder["endpoint"]
    return judge


def run_tournament(
    tournament: Tournament,
    executor: Executor | None = None,
    progress: Progress | None = None,
    judge: str | Judge | None = None,
) -> TournamentResult:
    """Plays every game not finished yet (threads unless another executor is given), then
    measures them with the judge (a spec or Judge; default tournament_judge's) and writes the
    turn table, leaderboards, plots and summary under <out>/results/ (also when the judge
    failed: see TournamentResult.unmeasured). Finished games are not replayed."""
    if not isinstance(judge, Judge):
        judge = tournament_judge(tournament, judge)
    specs = plan_games(tournament)
    root = open_store(tournament.out, tournament.s3_endpoint)
    root.check_writable()
    before = collect_turns(root, specs, tournament.name, tournament.turns, tournament.prices)
    executor = executor or ThreadExecutor(tournament.concurrency)
    gate_limits = {
        endpoint.label: tournament.limits_for(endpoint)
        for endpoint in tournament.endpoints()
        if endpoint.uses_http
    }
    coordinator_kwargs = {
        "limits": gate_limits,
        "prices": tournament.prices,
        "max_cost": tournament.max_cost,
        "spent": float(before["cost_usd"].sum()),
        "turns_done": len(before),
        "offline_endpoints": tuple(
            endpoint.label for endpoint in tournament.endpoints() if not endpoint.uses_http
        ),
    }
    setup = GameSetup(
        out=tournament.out,
        s3_endpoint=tournament.s3_endpoint,
        turns=tournament.turns,
        tracker=tournament.tracker,
        project=tournament.name,
        prices=tournament.prices,
    )
    services = executor.start(coordinator_kwargs, gate_limits, setup)
    try:
        for endpoint in tournament.endpoints():
            services.clients.client(endpoint)  # a missing API key fails here, before any call
        results = root.child(RESULTS)
        embeddings = PromptEmbeddings(results, services.clients)
        judged = JudgeCache(judge, results)
        prompts = [prompt.text for prompt in tournament.prompts]
        wanted = embedders(tournament) if isinstance(judge, PlayersJudge) else []
        preparation = _WhileGamesPlay(
            lambda: prefetch_vectors(embeddings, wanted, prompts),
            lambda: _prefetch_judge(judged, prompts),
            plots.warm_up,
        )
        if progress is not None:
            progress.begin(len(specs), len(specs) * tournament.turns, len(before))

        def tick() -> None:
            preparation.start()  # the games are under way, worker processes started
            if progress is not None:
                progress.update(services.coordinator.snapshot())

        try:
            outcomes = executor.run(specs, setup, tick)
        finally:
            preparation.join()
            if progress is not None:
                progress.end()
        with _collector_paused():
            turns = collect_turns(root, specs, tournament.name, tournament.turns, tournament.prices)
            endpoints = {endpoint.label: endpoint for endpoint in tournament.endpoints()}
            turns, unmeasured = measure_turns(turns, judge, judged, root, embeddings, endpoints)
        snapshot = services.coordinator.snapshot()  # after the start prompts' embeddings calls
    finally:
        executor.close()
    with _collector_paused():
        games = games_frame(specs, outcomes)
        pairs, levels = pair_leaderboard(turns, games), level_leaderboard(turns)
        summed = {
            **totals(turns, tournament.prices),
            "embedder": embedder_record(tournament),
            "judge": judge.record(),
        }
        written = write_outputs(
            results,
            name=tournament.name,
            location=root.location,
            games=games,
            turns=turns,
            pairs=pairs,
            levels=levels,
            totals=summed,
            snapshot=snapshot,
            reports={s.run_name for s in specs if root.child(s.run_name).exists(REPORT_PAGE)},
            read_image=image_reader(root),
        )
    return TournamentResult(
        root.location, games, turns, pairs, levels, summed, snapshot, written, tuple(unmeasured)
    )
