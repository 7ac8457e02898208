"""The source registry: one line per feed. Ingest DAGs are generated from it.

Kept as plain data so DAG files can read it without importing any feed's code; a feed's
module is imported only when a task runs (`load_source`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regime_radar.sources.base import Source


@dataclass(frozen=True)
class SourceSpec:
    name: str
    module: str  # importable module exposing `SOURCE`, an object implementing the Source protocol
    datasets: tuple[str, ...]
    schedule: str  # cron in UTC
    description: str
    lookback_days: int = 7  # a scheduled run re-fetches this many days to pick up corrections


# Weekday evenings after the US close (16:00 ET = 21:00 UTC in winter, 20:00 UTC in summer).
AFTER_CLOSE = "30 22 * * 1-5"

SOURCES: dict[str, SourceSpec] = {
    s.name: s
    for s in [
        SourceSpec(
            "yahoo_chart",
            "regime_radar.sources.yahoo_chart",
            ("prices_daily",),
            AFTER_CLOSE,
            "Daily bars for the universe from Yahoo's chart API v8.",
        ),
    ]
}


def get_spec(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None


def load_source(name: str) -> Source:
    """Import a feed's module and return its Source object."""
    spec = get_spec(name)
    module = importlib.import_module(spec.module)
    return module.SOURCE
