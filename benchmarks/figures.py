"""Prints a benchmark's figures against their targets; the exit code says whether all were met."""

from __future__ import annotations


def report_figures(rows: list[tuple[str, float, float]]) -> int:
    """Prints 'figure measured target ok|MISSED' lines; returns 1 when a target is missed."""
    width = max(len(name) for name, _, _ in rows) + 2
    print(f"{'figure':<{width}} {'measured':>10} {'target':>8}")
    missed = False
    for name, value, target in rows:
        ok = value <= target
        missed |= not ok
        print(f"{name:<{width}} {value:>10.2f} {target:>8g} {'ok' if ok else 'MISSED'}")
    return 1 if missed else 0
