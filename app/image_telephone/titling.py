"""Titles a collection of artworks: one title_images run per image, concurrent and resumable."""

from __future__ import annotations

import concurrent.futures
import csv
import dataclasses
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
from hamilton import driver

from image_telephone.dataflows import caption_images, title_images
from image_telephone.errors import InputError, ProviderError
from image_telephone.game.settings import PROVIDERS
from image_telephone.providers.openai_client import build_openai_client, provider_error
from image_telephone.store.storage import Store, open_store

TITLE_COLUMNS = ("file", "title", "alternates", "model", "parameters")
DEFAULT_STOPS = ("\n",)


@dataclasses.dataclass(frozen=True)
class TitleSettings:
    """How titles are asked for; validated before any image is read or model called."""

    provider: str = "offline"
    model: str | None = None
    context: str | None = None
    genre_hint: str | None = None
    temperature: float | None = None
    max_tokens: int = 16
    stop: tuple[str, ...] = DEFAULT_STOPS
    candidates: int = 3
    max_title_words: int = 8
    seed: int = 0
    base_url: str | None = None

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise InputError(f"provider {self.provider!r}: choose one of {', '.join(PROVIDERS)}")
        if self.temperature is not None and not 0 <= self.temperature <= 2:
            raise InputError(f"temperature {self.temperature}: must be between 0 and 2")
        if self.candidates < 1:
            raise InputError(f"candidates {self.candidates}: ask for at least 1 title per image")
        if self.max_tokens < 1 or self.max_title_words < 1:
            raise InputError("max tokens and max title words must be at least 1")
        if len(self.stop) > 4:
            raise InputError(f"stop: {len(self.stop)} sequences given; OpenAI accepts at most 4")


@dataclasses.dataclass
class TitlingReport:
    """What a titling pass did: titled now, already titled before, skipped, failed."""

    titled: int = 0
    already_titled: int = 0
    skipped: list[str] = dataclasses.field(default_factory=list)
    failed: dict[str, str] = dataclasses.field(default_factory=dict)


class TitleSheet:
    """The output file (CSV, or JSON lines for .jsonl): read to resume, appended row by row."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.is_jsonl = self.path.suffix == ".jsonl"
        self._lock = threading.Lock()

    def rows(self) -> list[dict[str, str]]:
        """The rows written so far (none when the file does not exist)."""
        if not self.path.exists():
            return []
        with self.path.open(newline="", encoding="utf-8") as handle:
            if self.is_jsonl:
                return [json.loads(line) for line in handle if line.strip()]
            return list(csv.DictReader(handle))

    def append(self, record: dict[str, Any]) -> None:
        """Adds one row and flushes it, so an interruption loses at most the rows in flight."""
        row = {
            "file": record["file"],
            "title": record["title"],
            "alternates": json.dumps(record["alternates"], ensure_ascii=False),
            "model": record["model"],
            "parameters": json.dumps(record["parameters"], ensure_ascii=False, sort_keys=True),
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            is_new = not self.path.exists() or self.path.stat().st_size == 0
            with self.path.open("a", newline="", encoding="utf-8") as handle:
                if self.is_jsonl:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                else:
                    writer = csv.DictWriter(handle, fieldnames=TITLE_COLUMNS)
                    if is_new:
                        writer.writeheader()
                    writer.writerow(row)


class CollectionTitler:
    """Builds the title dataflow and clients once, then titles images concurrently."""

    def __init__(self, settings: TitleSettings, api_key: str | None = None, s3_client: Any = None):
        self.settings = settings
        self.driver = (
            driver.Builder()
            .with_config({"provider": settings.provider})
            .with_modules(caption_images, title_images)
            .allow_module_overrides()
            .build()
        )
        inputs: dict[str, Any] = {
            "title_context": settings.context,
            "genre_hint": settings.genre_hint,
            "temperature": settings.temperature,
            "max_tokens": settings.max_tokens,
            "stop": list(settings.stop) or None,
            "candidates": settings.candidates,
            "max_title_words": settings.max_title_words,
            "model": settings.model,
            "s3_client": s3_client,
        }
        if settings.provider == "openai":
            inputs["openai_client"] = build_openai_client(settings.base_url, api_key)
        self.inputs = {key: value for key, value in inputs.items() if value is not None}
        self._taken: list[str] = []
        self._taken_lock = threading.Lock()

    def title_one(self, image_url: str, index: int) -> dict[str, Any]:
        """The title record of one image; raises ValueError for a non-image."""
        inputs = {**self.inputs, "image_url": image_url, "seed": self.settings.seed + index}
        try:
            found = self.driver.execute(["caption_completion", "title_candidates"], inputs=inputs)
        except openai.APIError as error:
            model = self.settings.model or f"the {self.settings.provider} model"
            raise provider_error(error, "title the image", model) from error
        # The choice among candidates is made under the lock, so two images never take the
        # same title; the model is not called again (its answers are overrides).
        with self._taken_lock:
            record = self.driver.execute(
                ["title_record"],
                inputs={**inputs, "taken_titles": self._taken},
                overrides=found,
            )["title_record"]
            if record["title"] is not None:
                self._taken.append(record["title"])
        return record

    def title_collection(
        self,
        source: Store,
        sheet: TitleSheet,
        concurrency: int = 8,
        on_done: Callable[[int, int, str | None], None] | None = None,
    ) -> TitlingReport:
        """Titles the images under source not in the sheet yet; one bad file stops nothing."""
        files = source.files()
        if not files:
            raise InputError(f"{source.location}: no files to title; check the folder")
        rows = sheet.rows()
        done = {row["file"] for row in rows}
        with self._taken_lock:
            self._taken.extend(row["title"] for row in rows)
        report = TitlingReport(already_titled=len(done & set(files)))

        def work(index: int, key: str) -> tuple[str, dict[str, Any] | None, str | None]:
            try:
                return key, self.title_one(source.uri(key), index), None
            except ValueError as error:
                return key, None, f"skipped: {error}"
            except ProviderError as error:
                return key, None, str(error)

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(concurrency, 1)) as pool:
            futures = [
                pool.submit(work, index, key) for index, key in enumerate(files) if key not in done
            ]
            for finished, future in enumerate(concurrent.futures.as_completed(futures), 1):
                key, record, problem = future.result()
                if record is not None and record["title"] is not None:
                    sheet.append({"file": key, **record})
                    report.titled += 1
                elif record is not None:
                    report.failed[key] = "no usable title among the candidates"
                elif problem.startswith("skipped"):
                    report.skipped.append(key)
                else:
                    report.failed[key] = problem
                if on_done is not None:
                    on_done(finished, len(futures), record["title"] if record else None)
        return report


def title_folder(
    location: str,
    out: str | Path,
    settings: TitleSettings,
    concurrency: int = 8,
    s3_endpoint: str | None = None,
    api_key: str | None = None,
    on_done: Callable[[int, int, str | None], None] | None = None,
) -> TitlingReport:
    """Titles the images in a folder or s3:// prefix into out (CSV or .jsonl), resuming."""
    source = open_store(location, s3_endpoint)
    titler = CollectionTitler(settings, api_key, s3_client=getattr(source, "client", None))
    return titler.title_collection(source, TitleSheet(out), concurrency, on_done)
