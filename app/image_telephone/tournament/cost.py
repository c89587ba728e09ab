"""Estimated cost: a price table (shipped, overridable), the cost of one call, and a budget."""

from __future__ import annotations

import dataclasses
from typing import Any

from .fields import Table, read_package_toml
from .shared import THREADS, Shared

# Usage assumed for a kind of call not seen yet, so that --max-cost holds back the first ones too.
NOMINAL_USAGE: dict[str, dict[str, int]] = {
    "caption": {"prompt_tokens": 1000, "completion_tokens": 150, "predict_time_s": 2.0},
    "image": {"input_tokens": 60, "output_tokens": 1056, "predict_time_s": 5.0},
    "embedding": {"prompt_tokens": 60},
}
_SPENT, _RESERVED, _EXHAUSTED = range(3)  # a budget's shared numbers


@dataclasses.dataclass(frozen=True)
class Price:
    """US dollars per million tokens in and out, per image, per call and per second of a
    prediction (Replicate bills its hardware by the second: usage's predict_time_s)."""

    input_per_million: float = 0.0
    output_per_million: float = 0.0
    per_image: float = 0.0
    per_call: float = 0.0
    per_second: float = 0.0


def tokens_in(usage: dict[str, Any] | None) -> int:
    """Input tokens of a chat, image or embeddings usage record."""
    usage = usage or {}
    return int(usage.get("prompt_tokens") or usage.get("input_tokens") or 0)


def tokens_out(usage: dict[str, Any] | None) -> int:
    """Output tokens (completion, or image tokens for GPT Image models)."""
    usage = usage or {}
    return int(usage.get("completion_tokens") or usage.get("output_tokens") or 0)


def embedding_usage(text: str) -> dict[str, int]:
    """An embeddings call's usage, estimated (~4 characters a token): runs do not record it."""
    return {"prompt_tokens": max(1, round(len(text) / 4))}


@dataclasses.dataclass(frozen=True)
class PriceTable:
    """Prices by model name."""

    prices: dict[str, Price]

    def cost(self, kind: str, model: str, usage: dict[str, Any] | None) -> float:
        """The estimated US dollars of one call of kind ("caption", "image", "embedding")."""
        price = self.price(model)
        if price is None:
            return 0.0
        tokens = tokens_in(usage) * price.input_per_million
        tokens += tokens_out(usage) * price.output_per_million
        seconds = float((usage or {}).get("predict_time_s") or 0.0) * price.per_second
        per_image = price.per_image if kind == "image" else 0.0
        return tokens / 1e6 + seconds + price.per_call + per_image

    def price(self, model: str) -> Price | None:
        """The model's price: by its name, else (owner/name:VERSION) by owner/name."""
        if model in self.prices or "/" not in model:
            return self.prices.get(model)
        return self.prices.get(model.partition(":")[0])

    def nominal(self, kind: str, model: str) -> float:
        """The cost of a typical call of kind, before any has been seen."""
        return self.cost(kind, model, NOMINAL_USAGE[kind])

    def unpriced(self, models: set[str]) -> list[str]:
        """The models the table has no price for."""
        return sorted(model for model in models if self.price(model) is None)


def load_price_table(overrides: Table) -> PriceTable:
    """The shipped prices.toml with the tournament file's [prices."MODEL"] tables on top."""
    shipped = _parse_prices(Table(read_package_toml("prices.toml"), "").table("prices"))
    return PriceTable({**shipped, **_parse_prices(overrides)})


def _parse_prices(table: Table) -> dict[str, Price]:
    fields = [field.name for field in dataclasses.fields(Price)]
    prices = {}
    for model in table.values:
        section = table.table(model)
        section.only(fields)
        prices[model] = Price(**{name: section.number(name, 0.0) for name in fields})
    return prices


class Budget:
    """The tournament's spending: a call reserves its expected cost first and settles after.

    Once a reservation would pass the limit, every later one is refused too. The totals live
    in `shared` numbers; what a call of a model is expected to cost is learnt per process.
    """

    def __init__(
        self, prices: PriceTable, limit: float | None, spent: float = 0.0, shared: Shared = THREADS
    ):
        self.prices = prices
        self.limit = limit
        self._lock = shared.lock()
        self._totals = shared.numbers(3)  # spent, reserved, exhausted (0 or 1)
        self._totals[_SPENT] = spent
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    @property
    def spent(self) -> float:
        """US dollars spent so far (estimated)."""
        with self._lock:
            return self._totals[_SPENT]

    def reserve(self, kind: str, model: str) -> float | None:
        """The amount reserved for the call, or None when it would pass the limit."""
        totals = self._totals
        with self._lock:
            total, count = self._seen.get((kind, model), (0.0, 0))
            expected = total / count if count else self.prices.nominal(kind, model)
            committed = totals[_SPENT] + totals[_RESERVED] + expected
            if totals[_EXHAUSTED] or (self.limit is not None and committed > self.limit):
                totals[_EXHAUSTED] = 1
                return None
            totals[_RESERVED] += expected
            return expected

    def settle(self, kind: str, model: str, reserved: float, actual: float | None) -> None:
        """Replaces a reservation by the call's cost (None: the call failed, no cost known)."""
        totals = self._totals
        with self._lock:
            totals[_RESERVED] -= reserved
            if actual is not None:
                totals[_SPENT] += actual
                total, count = self._seen.get((kind, model), (0.0, 0))
                self._seen[(kind, model)] = (total + actual, count + 1)
