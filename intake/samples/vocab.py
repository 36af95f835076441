"""Word lists the generator draws from (shipped as data files beside this module)."""

from __future__ import annotations

from functools import cache
from importlib import resources


def _lines(package: str, name: str) -> tuple[str, ...]:
    text = (resources.files(package) / "data" / name).read_text(encoding="utf-8")
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@cache
def words(name: str) -> tuple[str, ...]:
    """Entries of ``intake/samples/data/NAME.txt`` (fornamn, efternamn, forbund, …)."""
    return _lines("intake.samples", f"{name}.txt")


@cache
def kommuner() -> tuple[str, ...]:
    return _lines("intake.mapping", "kommuner.txt")


@cache
def stadsdelar() -> dict[str, tuple[str, ...]]:
    by_city: dict[str, list[str]] = {}
    for line in words("stadsdelar"):
        city, _, part = line.partition(";")
        by_city.setdefault(city.strip(), []).append(part.strip())
    return {city: tuple(parts) for city, parts in by_city.items()}
