"""Reads TOML files and checks their fields, with one-line errors naming the field and the fix."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Any

from image_telephone.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The parsed TOML file at path; what names it in errors ("tournament file", …)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{what} {str(path)!r}: not found; check the path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{what} {str(path)!r}: could not be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{what} {str(path)!r}: not valid TOML ({error}); fix that line") from None


def read_package_toml(name: str) -> dict[str, Any]:
    """A TOML file shipped inside this package."""
    return tomllib.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


class Table:
    """One TOML table and where it sits ("captioners[1]"), with typed, checked getters."""

    def __init__(self, values: Any, where: str):
        if not isinstance(values, dict):
            raise InputError(f"{where}: expected a table (key = value lines), got {values!r}")
        self.values = values
        self.where = where

    def fail(self, key: str, problem: str) -> InputError:
        """An InputError naming this table's key."""
        return InputError(f"{self.where}.{key}: {problem}" if self.where else f"{key}: {problem}")

    def only(self, allowed: tuple[str, ...] | list[str]) -> None:
        """Refuses keys outside allowed (typos are the usual cause)."""
        for key in self.values:
            if key not in allowed:
                raise self.fail(key, f"unknown field; use one of {', '.join(sorted(allowed))}")

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        """A non-empty string."""
        value = self.values.get(key, default)
        if value is None:
            if required:
                raise self.fail(key, "missing; add it")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty string, got {value!r}")
        return value

    def integer(self, key: str, default: int, minimum: int) -> int:
        """A whole number of at least minimum."""
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"expected a whole number of at least {minimum}, got {value!r}")
        return value

    def number(self, key: str, default: float | None, minimum: float = 0.0) -> float | None:
        """A number (int or float) of at least minimum, or the default."""
        value = self.values.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.fail(key, f"expected a number of at least {minimum:g}, got {value!r}")
        return float(value)

    def tables(self, key: str, *, required: bool = False) -> list[Table]:
        """An array of tables ([[key]] sections)."""
        value = self.values.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.fail(key, f"expected [[{key}]] sections, got {value!r}")
        if required and not value:
            raise self.fail(key, f"is empty; add at least one [[{key}]] section")
        prefix = f"{self.where}.{key}" if self.where else key
        return [Table(item, f"{prefix}[{index}]") for index, item in enumerate(value)]

    def table(self, key: str) -> Table:
        """A sub-table ([key] section), empty when absent."""
        prefix = f"{self.where}.{key}" if self.where else key
        return Table(self.values.get(key, {}), prefix)
