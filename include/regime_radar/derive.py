"""Derived datasets the risk DAG builds from silver before the flags: tariff actions and state, macro releases.

Pure builders live beside their feeds (`tariffs.extract`, `tariffs.state`, `macro`); this module reads
their inputs from the warehouse and publishes their outputs through the same quality gate as a feed.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from regime_radar import catalog
from regime_radar.config import Settings, load_settings
from regime_radar.pipeline import promote_all
from regime_radar.sources.base import Window
from regime_radar.warehouse import Warehouse, new_batch_id

log = logging.getLogger(__name__)

DERIVED = ("tariff_actions", "tariff_state", "macro_releases")
# Rebuilt whole on every run: an order first seen only on the White House feed is re-keyed once its
# Federal Register copy brings the EO number, so merging by key would leave the old row behind.
ALL_TIME = Window(date(1900, 1, 1), date(2999, 12, 31))


def build(warehouse: Warehouse, window: Window) -> dict[str, Any]:
    """The derived tables (as Arrow, in catalog shape) for a window, from what silver holds now."""
    import pyarrow as pa

    from regime_radar.macro import build_macro_releases
    from regime_radar.tariffs.extract import extract_actions
    from regime_radar.tariffs.state import build_tariff_state

    actions = extract_actions(warehouse.read("policy_documents").to_pandas())
    state = build_tariff_state(actions, window.start, window.end)
    releases = build_macro_releases(
        warehouse.read("macro_observations").to_pandas(),
        warehouse.read("release_calendar").to_pandas(),
        warehouse.read("macro_consensus").to_pandas(),
    )
    frames = {"tariff_actions": actions, "tariff_state": state, "macro_releases": releases}
    return {
        name: catalog.conform(name, pa.Table.from_pandas(frame, preserve_index=False)) for name, frame in frames.items()
    }


def run_derive(window: Window, settings: Settings | None = None) -> dict[str, Any]:
    """Build and publish the derived datasets: actions and releases whole, tariff state for the window."""
    settings = settings or load_settings()
    warehouse = Warehouse.from_settings(settings)
    tables = build(warehouse, window)
    windows = {"tariff_actions": ALL_TIME, "macro_releases": ALL_TIME, "tariff_state": window}
    published = promote_all(warehouse, tables, window, new_batch_id("derive-"), settings, windows=windows)
    log.info("derived %s", {name: t.num_rows for name, t in tables.items()})
    return {"window": str(window), "start": window.start.isoformat(), "end": window.end.isoformat(), **published}
