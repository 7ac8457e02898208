"""The suite files: one per dataset, well-formed, naming real columns, with vocabularies that match the code."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pytest

from regime_radar import catalog, macro, universe
from regime_radar.quality import derived
from regime_radar.quality.runner import (
    SUITES_DIR,
    derived_columns,
    referenced_columns,
    suite_definition,
    suite_file,
)
from regime_radar.sources import epu_trade, fred_macro, ism, tpu
from regime_radar.sources.base import Window
from regime_radar.sources.registry import SOURCES
from regime_radar.tariffs import extract, state

DATASETS = sorted(catalog.DATASETS)
SAMPLE = {
    "string": "x",
    "float64": 1.0,
    "int64": 1,
    "int32": 1,
    "bool": True,
    "date32": date(2025, 1, 2),
    catalog.UTC_TS: datetime(2025, 1, 2, 21, tzinfo=UTC),
}


def one_row(name: str) -> pa.Table:
    """A one-row batch of the dataset with a plain value in every column."""
    dataset = catalog.get(name)
    return pa.Table.from_pylist([{c.name: SAMPLE[c.type] for c in dataset.columns}], schema=dataset.arrow_schema())


def sets(name: str) -> dict[str, list[Any]]:
    return suite_file(name).get("sets", {})


def kwargs_of(name: str, column: str, **match: Any) -> list[dict[str, Any]]:
    return [
        spec["kwargs"]
        for spec in suite_definition(name)
        if spec["kwargs"].get("column") == column and all(spec["kwargs"].get(k) == v for k, v in match.items())
    ]


def test_every_dataset_has_a_suite_and_every_suite_a_dataset() -> None:
    files = sorted(p.stem for p in SUITES_DIR.glob("*.json"))
    assert files == DATASETS


@pytest.mark.parametrize("name", DATASETS)
def test_suite_is_well_formed(name: str) -> None:
    raw = json.loads((SUITES_DIR / f"{name}.json").read_text())
    assert raw["name"] == name
    assert raw["expectations"], "a suite with no domain expectation"
    for spec in raw["expectations"]:
        assert set(spec) == {"type", "kwargs", "severity", "description"}, spec
        assert spec["type"].startswith("expect_"), spec
        assert spec["severity"] in ("critical", "warning"), spec
        assert spec["description"].strip(), spec
    assert any(spec["severity"] == "critical" for spec in raw["expectations"])


@pytest.mark.parametrize("name", DATASETS)
def test_every_expectation_names_existing_columns(name: str) -> None:
    columns = set(catalog.get(name).column_names)
    for spec in suite_definition(name):
        for column in referenced_columns(spec):
            assert column in columns or column in derived.HELPERS, f"{name}: {spec['type']} names {column!r}"
        condition = spec["kwargs"].get("row_condition")
        if condition:
            assert re.match(r"^(\w+) in \[", condition), condition
            assert condition.split()[0] in columns, condition


@pytest.mark.parametrize("name", DATASETS)
def test_every_helper_a_suite_uses_can_be_computed_for_its_dataset(name: str) -> None:
    helpers = derived_columns(suite_definition(name))
    window = Window(date(2025, 1, 2), date(2025, 1, 31))
    values = derived.compute(name, one_row(name), helpers, window, datetime(2025, 3, 1, tzinfo=UTC))
    assert list(values) == helpers
    assert all(len(v) == 1 for v in values.values())


@pytest.mark.parametrize("name", DATASETS)
def test_no_timestamp_in_the_future_is_checked_wherever_a_dataset_has_one(name: str) -> None:
    dataset = catalog.get(name)
    used = set(derived_columns(suite_definition(name)))
    for column in derived.TIMESTAMP_COLUMNS:
        if column in dataset.column_names and not (name == "release_calendar" and column == "released_at"):
            assert f"__{column}_ahead_s" in used, f"{name}.{column}"


def test_price_ranges_and_coverage() -> None:
    for column in ("close", "adj_close", "open", "high", "low"):
        assert kwargs_of("prices_daily", column, min_value=0, strict_min=True), column
    severities = {
        (spec["kwargs"]["column"], spec["kwargs"].get("max_value")): spec["severity"]
        for spec in suite_definition("prices_daily")
        if spec["kwargs"].get("column", "").startswith(("__missing_sessions_before", "__stale_sessions"))
    }
    assert severities == {
        ("__missing_sessions_before", 0): "warning",
        ("__missing_sessions_before", 4): "critical",
        ("__stale_sessions", 0): "warning",
        ("__stale_sessions", 4): "critical",
    }


def test_pmi_ranges_are_the_feeds_plausible_ranges() -> None:
    by_range: dict[tuple[float, float], list[str]] = {}
    for series in ism.SERIES:
        by_range.setdefault(series.plausible, []).append(series.series_id)
    observed = sets("macro_observations")
    assert sorted(observed["pmi_headline"]) == sorted(by_range[ism.HEADLINE_RANGE])
    assert sorted(observed["pmi_sub_index"]) == sorted(by_range[ism.SUB_INDEX_RANGE])
    for set_name, (low, high) in (("pmi_headline", ism.HEADLINE_RANGE), ("pmi_sub_index", ism.SUB_INDEX_RANGE)):
        condition = f"series_id in {json.dumps(observed[set_name])}"
        (kwargs,) = kwargs_of("macro_observations", "value", row_condition=condition)
        assert (kwargs["min_value"], kwargs["max_value"]) == (low, high)
    assert ism.HEADLINE_RANGE == (30, 80)


def test_every_macro_series_the_feeds_write_has_a_frequency_and_a_range() -> None:
    written = (
        set(fred_macro.SERIES)
        | {change.series_id for change in fred_macro.CHANGES}
        | {fred_macro.RATIO_ID}
        | {series.series_id for series in ism.SERIES}
    )
    observed = sets("macro_observations")
    assert set(observed["known_series"]) == written
    assert set(observed["monthly_series"]) | set(observed["weekly_series"]) == written
    assert not set(observed["monthly_series"]) & set(observed["weekly_series"])
    assert set(observed["published_after_month_end"]) < set(observed["monthly_series"])
    ranged = {"pmi_headline", "pmi_sub_index", "positive_levels", "monthly_changes", "percent_rates", "ratios"}
    assert set().union(*(set(observed[s]) for s in ranged)) == written


def test_vocabularies_match_the_code_that_writes_them() -> None:
    assert sets("release_calendar")["publications"] == list(macro.PUBLICATION_TIMES)
    assert sets("macro_consensus")["releases"] == list(macro.RELEASES)
    assert sets("macro_releases")["releases"] == list(macro.RELEASES)
    assert sets("tariff_actions")["actions"] == list(extract.ACTIONS)
    assert sets("tariff_state")["statuses"] == list(state.STATUSES)
    assert set(sets("policy_documents")["feeds"]) == {
        name for name, spec in SOURCES.items() if "policy_documents" in spec.datasets
    }
    indices = {index_name for index_name, _ in tpu.SHEETS.values()} | {epu_trade.SERIES_ID}
    assert set(sets("policy_uncertainty")["indices"]) == indices
    market = sets("market_series")
    assert set(market["positive_series"]) | set(market["yield_series"]) == {s.series_id for s in universe.fred_series()}
    for name in ("risk_flags", "regime_state"):  # fixed by the design (ARCHITECTURE.md)
        assert sets(name)["levels"] == ["green", "amber", "red"]
        assert sets(name)["regimes"] == ["ai_capex", "tariff", "macro", "composite"]


def test_rates_and_levels() -> None:
    for name in ("tariff_actions", "tariff_state"):
        (kwargs,) = kwargs_of(name, "rate_pct")
        assert (kwargs["min_value"], kwargs["max_value"]) == (0, 200)
    assert kwargs_of("risk_flags", "level", value_set=["green", "amber", "red"])


def test_an_unknown_set_reference_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from regime_radar.quality import runner

    broken = {"name": "tech_events", "sets": {}, "expectations": [
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "kind", "value_set": "@kinds"},
         "severity": "critical", "description": "d"}
    ]}  # fmt: skip
    monkeypatch.setattr(runner, "suite_file", lambda name: broken)
    with pytest.raises(ValueError, match="unknown set @kinds"):
        runner.suite_definition("tech_events")
