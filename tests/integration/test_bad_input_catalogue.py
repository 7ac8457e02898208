"""The bad-input catalogue: every corruption is caught on the real path, silver stays byte-identical, nothing is lost.

A baseline warehouse is built once from the demo replay (every feed, then the derive step); each case
works on a copy of it. Payload corruptions are written into a copy of one feed's replay folder (or into
the warehouse's user-maintained inputs) and go through `pipeline.ingest`; table corruptions go through
`pipeline.promote_all`; file corruptions through `pipeline.load_file`. For each case: the error names
the problem, the dataset's silver (or gold) files are byte-identical, and what was received is kept —
the raw payload byte for byte, or the quarantined batch with its validation result.

`pytest -v` lists every corruption by name; a table of how each was caught is printed at the end.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from regime_radar import catalog, derive, pipeline
from regime_radar.config import DEMO_END, DEMO_REPLAY_DIR, DEMO_START, Settings, load_settings
from regime_radar.quality.runner import QualityError
from regime_radar.sources.base import SourceError, Window
from regime_radar.sources.market_calendar import NEW_YORK, new_york_instant
from regime_radar.sources.registry import SOURCES
from regime_radar.warehouse import Warehouse

pytestmark = pytest.mark.integration

DEMO = Window.parse(DEMO_START, DEMO_END)
JANUARY = Window(date(2025, 1, 2), date(2025, 1, 31))


@dataclass
class Env:
    """One case's private copy of the baseline warehouse, and where it may write replay folders and files."""

    root: Path
    warehouse: Warehouse
    settings: Settings
    received: bytes | None = None  # the corrupted payload or file, to find byte for byte in raw/

    def replay(self, source: str, corrupt: Callable[[Path], bytes | None] | None = None) -> Settings:
        """Settings whose replay folder holds a copy of `source`'s demo recordings, corrupted by `corrupt`."""
        replay_dir = self.root / "replay"
        if (DEMO_REPLAY_DIR / source).is_dir():  # user-maintained inputs live in the warehouse instead
            shutil.copytree(DEMO_REPLAY_DIR / source, replay_dir / source)
        if corrupt:
            self.received = corrupt(replay_dir / source)
        return load_settings(warehouse_url=self.warehouse.url, replay_dir=replay_dir)

    def ingest(self, source: str, corrupt: Callable[[Path], bytes | None] | None = None, window: Window = DEMO) -> None:
        pipeline.ingest(source, window, self.replay(source, corrupt))

    def write_input(self, rel: str, text: str) -> None:
        """Replace a user-maintained input file in the warehouse (inputs/…), as a user editing it would."""
        self.received = text.encode()
        self.warehouse.write_bytes(rel, self.received)

    def promote(self, name: str, table: pa.Table, window: Window | None = JANUARY) -> None:
        pipeline.promote_all(self.warehouse, {name: table}, window, f"catalogue-{name}", self.settings)

    def load(self, dataset: str, text: str) -> None:
        path = self.root / f"{dataset}.csv"
        path.write_text(text)
        self.received = text.encode()
        pipeline.load_file(dataset, path, self.settings)

    def silver(self, name: str, window: Window | None = JANUARY) -> Any:
        """A dataset's rows (in `window`) as a DataFrame to corrupt."""
        table = self.warehouse.read(name)
        if window is not None:
            table = pipeline.clip_to_window(name, table, window)
        return table.to_pandas()


@dataclass(frozen=True)
class Case:
    id: str
    dataset: str  # whose stored files must not change
    run: Callable[[Env], None]
    error: type[BaseException] | tuple[type[BaseException], ...]
    match: str  # a phrase the error message must contain
    raw: str | None  # the raw/ folder that must keep what was received; None for a table handed to promote_all
    how: str  # how it is caught, for the summary table

    def __str__(self) -> str:
        return self.id


def conform(name: str, frame: Any) -> pa.Table:
    return catalog.conform(name, pa.Table.from_pandas(frame, preserve_index=False))


# -- payload corruptions (feed path: pipeline.ingest on a corrupted replay folder) --------------------


def replace(path: str, body: bytes) -> Callable[[Path], bytes]:
    def corrupt(folder: Path) -> bytes:
        (folder / path).write_bytes(body)
        return body

    return corrupt


def edit_json(path: str, change: Callable[[Any], None]) -> Callable[[Path], bytes]:
    def corrupt(folder: Path) -> bytes:
        document = json.loads((folder / path).read_text())
        change(document)
        body = json.dumps(document).encode()
        (folder / path).write_bytes(body)
        return body

    return corrupt


def truncate(path: str) -> Callable[[Path], bytes]:
    def corrupt(folder: Path) -> bytes:
        body = (folder / path).read_bytes()
        body = body[: len(body) // 2]
        (folder / path).write_bytes(body)
        return body

    return corrupt


def copy_over(source: str, target: str) -> Callable[[Path], bytes]:
    def corrupt(folder: Path) -> bytes:
        body = (folder / source).read_bytes()
        (folder / target).write_bytes(body)
        return body

    return corrupt


def rename(source: str, target: str) -> Callable[[Path], bytes]:
    def corrupt(folder: Path) -> bytes:
        (folder / source).rename(folder / target)
        return (folder / target).read_bytes()

    return corrupt


def nan_close_in_chart(document: Any) -> None:
    quote = chart(document)["indicators"]["quote"][0]
    quote["close"][-15] = float("nan")  # json.dumps writes NaN, which JSON parsers (Python's) accept


def chart(document: Any) -> dict[str, Any]:
    return document["chart"]["result"][0]


def negative_close(document: Any) -> None:
    chart(document)["indicators"]["quote"][0]["close"][-20] = -131.5


def close_as_text(document: Any) -> None:
    chart(document)["indicators"]["quote"][0]["close"][-20] = "n/a (halted)"


def rename_adjclose(document: Any) -> None:
    indicators = chart(document)["indicators"]
    indicators["adjClose"] = indicators.pop("adjclose")


def pmi_of_11(document: Any) -> None:
    document["series"]["docs"][0]["value"][-1] = 11.0


HTML = b"<!DOCTYPE html><html><head><title>Will be right back</title></head><body>Rate limited</body></html>"
FRED_ERROR = json.dumps({"error_code": 400, "error_message": "Bad Request. The api_key is not registered."}).encode()
CONSENSUS_HEADER = "release,period,consensus,source,available_at\n"
EVENTS_HEADER = "date,time,kind,title,url,company\n"

PAYLOAD_CASES = [
    Case(
        "html_instead_of_json",
        "prices_daily",
        lambda env: env.ingest("yahoo_chart", replace("NVDA.json", HTML)),
        SourceError,
        "is an HTML/XML page, expected JSON",
        "yahoo_chart",
        "parse refuses the feed (SourceError)",
    ),
    Case(
        "truncated_json",
        "prices_daily",
        lambda env: env.ingest("yahoo_chart", truncate("AMD.json")),
        SourceError,
        "is not valid JSON",
        "yahoo_chart",
        "parse refuses the feed (SourceError)",
    ),
    Case(
        "payload_for_the_wrong_symbol",
        "prices_daily",
        lambda env: env.ingest("yahoo_chart", copy_over("AMD.json", "NVDA.json")),
        SourceError,
        "payload is for symbol 'AMD', expected 'NVDA'",
        "yahoo_chart",
        "parse refuses the feed (SourceError)",
    ),
    Case(
        "renamed_field_in_a_feed",
        "prices_daily",
        lambda env: env.ingest("yahoo_chart", edit_json("NVDA.json", rename_adjclose)),
        SourceError,
        "no indicators.adjclose",
        "yahoo_chart",
        "parse refuses the feed (SourceError)",
    ),
    Case(
        "text_where_a_price_belongs",
        "prices_daily",
        lambda env: env.ingest("yahoo_chart", edit_json("NVDA.json", close_as_text)),
        SourceError,
        "could not convert string to float",
        "yahoo_chart",
        "parse refuses the feed (SourceError)",
    ),
    Case(
        "negative_price_in_a_feed",
        "prices_daily",
        lambda env: env.ingest("yahoo_chart", edit_json("NVDA.json", negative_close)),
        QualityError,
        "expect_column_values_to_be_between(close)",
        "yahoo_chart",
        "GX critical: close > 0; batch quarantined",
    ),
    Case(
        "nan_in_a_feed",
        "prices_daily",
        lambda env: env.ingest("yahoo_chart", edit_json("NVDA.json", nan_close_in_chart)),
        QualityError,
        "expect_column_values_to_be_between(__nonfinite_values)",
        "yahoo_chart",
        "GX critical: no NaN/inf values; quarantined",
    ),
    Case(
        "stale_feed",
        "prices_daily",
        lambda env: env.ingest("yahoo_chart", window=Window(DEMO.start, date(2025, 3, 14))),
        QualityError,
        "expect_column_values_to_be_between(__stale_sessions)",
        "yahoo_chart",
        "GX critical: 5+ sessions missing at the window's end; quarantined",
    ),
    Case(
        "fred_error_answer",
        "market_series",
        lambda env: env.ingest("fred_markets", replace("SP500.json", FRED_ERROR)),
        SourceError,
        "FRED error 400",
        "fred_markets",
        "parse refuses the feed (SourceError)",
    ),
    Case(
        "pmi_of_11_in_a_feed",
        "macro_observations",
        lambda env: env.ingest("ism", edit_json("pmi/pm.json", pmi_of_11)),
        SourceError,
        "value 11 is outside the plausible range 30–80",
        "ism",
        "parse refuses the feed (SourceError): range check",
    ),
    Case(
        "html_instead_of_a_federal_register_page",
        "policy_documents",
        lambda env: env.ingest("federal_register", replace("documents/presidential/page-001.json", HTML)),
        SourceError,
        "is an HTML/XML page, expected JSON",
        "federal_register",
        "parse refuses the feed (SourceError)",
    ),
    Case(
        "truncated_rss",
        "policy_documents",
        lambda env: env.ingest("whitehouse_actions", truncate("presidential-actions/page-001.xml")),
        SourceError,
        "not well-formed XML (truncated?)",
        "whitehouse_actions",
        "parse refuses the feed (SourceError)",
    ),
    Case(
        "html_instead_of_a_workbook",
        "policy_uncertainty",
        lambda env: env.ingest("tpu", replace("tpu_web_latest.xlsx", HTML)),
        SourceError,
        "is not an XLSX workbook",
        "tpu",
        "parse refuses the feed (SourceError)",
    ),
    Case(
        "payload_for_the_wrong_series",
        "policy_uncertainty",
        lambda env: env.ingest("epu_trade", rename("observations/EPUTRADE.json", "observations/EPUCOVID.json")),
        SourceError,
        "is for series 'EPUCOVID', expected EPUTRADE",
        "epu_trade",
        "parse refuses the feed (SourceError)",
    ),
    Case(
        "naive_timestamp_in_a_feed",
        "macro_consensus",
        lambda env: (
            env.write_input(
                "inputs/consensus.csv", CONSENSUS_HEADER + "NFP_CHANGE,2025-01,169,street,2025-02-06 18:00:00\n"
            ),
            env.ingest("macro_consensus"),
        ),
        SourceError,
        "has no UTC offset",
        "macro_consensus",
        "parse refuses the input file (SourceError)",
    ),
    Case(
        "renamed_column_in_a_feed",
        "macro_consensus",
        lambda env: (
            env.write_input("inputs/consensus.csv", "release,period,forecast,source\nNFP_CHANGE,2025-01,169,street\n"),
            env.ingest("macro_consensus"),
        ),
        SourceError,
        "missing ['consensus'], unknown ['forecast']",
        "macro_consensus",
        "parse refuses the input file (SourceError): header check",
    ),
    Case(
        "unknown_column_in_a_feed",
        "tech_events",
        lambda env: (
            env.write_input(
                "inputs/tech_events.csv",
                EVENTS_HEADER.strip() + ",sentiment\n2025-01-20,,model_release,R1,https://x.example,DeepSeek,0.9\n",
            ),
            env.ingest("tech_events"),
        ),
        SourceError,
        "unknown ['sentiment']",
        "tech_events",
        "parse refuses the input file (SourceError): header check",
    ),
    Case(
        "missing_column_in_a_feed",
        "tech_events",
        lambda env: (
            env.write_input("inputs/tech_events.csv", "date,kind\n2025-01-20,model_release\n"),
            env.ingest("tech_events"),
        ),
        SourceError,
        "missing ['title']",
        "tech_events",
        "parse refuses the input file (SourceError): header check",
    ),
]  # fmt: skip


# -- table corruptions (pipeline.promote_all on rows taken from the baseline) -----------------------


def prices_with(change: Callable[[Any], Any]) -> Callable[[Env], None]:
    def run(env: Env) -> None:
        frame = env.silver("prices_daily")
        env.promote("prices_daily", conform("prices_daily", change(frame)))

    return run


def nvda(frame: Any) -> Any:
    return frame.index[frame["symbol"] == "NVDA"]


def set_cell(column: str, value: Any, position: int = 5) -> Callable[[Any], Any]:
    def change(frame: Any) -> Any:
        frame.loc[nvda(frame)[position], column] = value
        return frame

    return change


def nan_close(env: Env) -> None:
    """A NaN that is a value, not a missing one (what a failed computation leaves behind)."""
    table = conform("prices_daily", env.silver("prices_daily"))
    close = table.column("close").to_pylist()
    close[5] = float("nan")
    table = table.set_column(table.schema.get_field_index("close"), "close", pa.array(close, pa.float64()))
    env.promote("prices_daily", table)


def high_below_low(frame: Any) -> Any:
    row = nvda(frame)[3]
    frame.loc[row, ["high", "low"]] = [frame.loc[row, "low"] - 1.0, frame.loc[row, "high"] + 1.0]
    return frame


def duplicate_row(frame: Any) -> Any:
    import pandas as pd

    return pd.concat([frame, frame.iloc[[7]]], ignore_index=True)


def weekend_bar(frame: Any) -> Any:
    import pandas as pd

    bar = frame.iloc[[nvda(frame)[-1]]].copy()
    bar["date"] = date(2025, 1, 25)
    bar["available_at"] = new_york_instant(date(2025, 1, 25), 16)
    return pd.concat([frame, bar], ignore_index=True)


def missing_week(frame: Any) -> Any:
    days = {date(2025, 1, d) for d in (13, 14, 15, 16, 17)}
    return frame[~((frame["symbol"] == "NVDA") & frame["date"].isin(days))]


def adjusted_above_close(frame: Any) -> Any:
    row = nvda(frame)[10]
    frame.loc[row, "adj_close"] = frame.loc[row, "close"] * 4  # a 4:1 split applied to one column only
    return frame


def empty_prices(env: Env) -> None:
    env.promote("prices_daily", catalog.get("prices_daily").arrow_schema().empty_table())


def macro_with(change: Callable[[Any], Any]) -> Callable[[Env], None]:
    def run(env: Env) -> None:
        frame = env.silver("macro_observations", window=None)
        env.promote("macro_observations", conform("macro_observations", change(frame)), window=None)

    return run


def pmi_of_11_in_a_batch(frame: Any) -> Any:
    frame.loc[frame.index[frame["series_id"] == "ISM_MFG_PMI"][-1], "value"] = 11.0
    return frame


def vintage_before_period(frame: Any) -> Any:
    row = frame.index[frame["series_id"] == "UNRATE"][-1]
    frame.loc[row, "vintage_date"] = frame.loc[row, "period"] - timedelta(days=3)
    return frame


def late_first_print(frame: Any) -> Any:
    revisions = frame[(frame["series_id"] == "PAYEMS") & ~frame["is_first_print"]]
    row = revisions.index[-1]
    frame.loc[row, "is_first_print"] = True  # a revision claims to be the first print
    return frame


def rate_of_2500_percent(env: Env) -> None:
    frame = env.silver("tariff_actions", window=None)
    frame.loc[frame.index[frame["rate_pct"].notna()][0], "rate_pct"] = 2500.0
    env.promote("tariff_actions", conform("tariff_actions", frame), window=derive.ALL_TIME)


def partner_by_name(env: Env) -> None:
    frame = env.silver("tariff_state")
    frame.loc[frame.index[frame["partner"] == "CA"], "partner"] = "Canada"
    env.promote("tariff_state", conform("tariff_state", frame))


def series_known_before_its_day(env: Env) -> None:
    frame = env.silver("market_series")
    row = frame.index[frame["series_id"] == "SP500"][4]
    frame.loc[row, "available_at"] = frame.loc[row, "available_at"] - timedelta(days=2)
    env.promote("market_series", conform("market_series", frame))


def document_from_the_future(env: Env) -> None:
    frame = env.silver("policy_documents", window=None)
    frame.loc[frame.index[0], "available_at"] = datetime.now(UTC) + timedelta(days=30)
    env.promote("policy_documents", conform("policy_documents", frame), window=None)


TABLE_CASES = [
    Case("negative_price", "prices_daily", prices_with(set_cell("close", -12.5)), QualityError,
         "expect_column_values_to_be_between(close)", None, "GX critical: close > 0"),
    Case("zero_price", "prices_daily", prices_with(set_cell("adj_close", 0.0)), QualityError,
         "expect_column_values_to_be_between(adj_close)", None, "GX critical: adj_close > 0"),
    Case("nan_price", "prices_daily", nan_close, QualityError,
         "expect_column_values_to_be_between(__nonfinite_values)", None, "GX critical: no NaN/inf values"),
    Case("infinite_price", "prices_daily", prices_with(set_cell("high", float("inf"))), QualityError,
         "expect_column_values_to_be_between(__nonfinite_values)", None, "GX critical: no NaN/inf values"),
    Case("duplicate_key", "prices_daily", prices_with(duplicate_row), QualityError,
         "expect_compound_columns_to_be_unique(symbol,date)", None, "GX critical: (symbol, date) unique"),
    Case("high_below_low", "prices_daily", prices_with(high_below_low), QualityError,
         "expect_column_pair_values_a_to_be_greater_than_b(high,low)", None, "GX critical: high >= low"),
    Case("weekend_date", "prices_daily", prices_with(weekend_bar), QualityError,
         "expect_column_values_to_be_in_set(__is_nyse_session)", None, "GX critical: NYSE trading days only"),
    Case("missing_week", "prices_daily", prices_with(missing_week), QualityError,
         "expect_column_values_to_be_between(__missing_sessions_before)", None,
         "GX critical: no 5+ session gap"),
    Case("split_in_one_column_only", "prices_daily", prices_with(adjusted_above_close), QualityError,
         "expect_column_values_to_be_between(__adj_close_ratio)", None, "GX critical: adj/close <= 1.05"),
    Case("empty_batch", "prices_daily", empty_prices, QualityError,
         "expect_table_row_count_to_be_between", None, "critical: an empty batch is refused"),
    Case("pmi_of_11", "macro_observations", macro_with(pmi_of_11_in_a_batch), QualityError,
         "expect_column_values_to_be_between(value)", None, "GX critical: headline PMI in 30–80"),
    Case("vintage_before_its_period", "macro_observations", macro_with(vintage_before_period), QualityError,
         "expect_column_values_to_be_between(__vintage_lead_days)", None, "GX critical: vintage >= period"),
    Case("revision_marked_as_first_print", "macro_observations", macro_with(late_first_print), QualityError,
         "expect_column_values_to_be_in_set(__first_print_not_earliest)", None,
         "GX critical: first print = earliest vintage"),
    Case("rate_of_2500_percent", "tariff_actions", rate_of_2500_percent, QualityError,
         "expect_column_values_to_be_between(rate_pct)", None, "GX critical: 0 <= rate_pct <= 200"),
    Case("partner_not_an_iso_code", "tariff_state", partner_by_name, QualityError,
         "expect_column_values_to_match_regex(partner)", None, "GX critical: ISO 3166 alpha-2 partners"),
    Case("known_before_its_day", "market_series", series_known_before_its_day, QualityError,
         "expect_column_values_to_be_between(__available_at_lead_s)", None,
         "GX critical: no look-ahead in available_at"),
    Case("timestamp_in_the_future", "policy_documents", document_from_the_future, QualityError,
         "expect_column_values_to_be_between(__available_at_ahead_s)", None,
         "GX critical: no available_at in the future"),
]  # fmt: skip


# -- file corruptions (the landing zone: pipeline.load_file with a CSV) ------------------------------

PRICES_CSV = "symbol,date,open,high,low,close,adj_close,volume\n"
GOOD_BAR = "NVDA,2025-01-27,124.80,128.40,116.70,118.42,118.41,818830900\n"


def tomorrow() -> str:
    return (datetime.now(NEW_YORK).date() + timedelta(days=1)).isoformat()


FILE_CASES = [
    Case("date_in_the_future", "prices_daily",
         lambda env: env.load("prices_daily", PRICES_CSV + GOOD_BAR.replace("2025-01-27", tomorrow())),
         QualityError, "expect_column_values_to_be_between(__time_ahead_days)", "load_prices_daily",
         "GX critical: no bar dated after today"),
]  # fmt: skip

# Refused by catalog.conform or the CSV reader before validation. pipeline.load_file archives a file only
# after reading it, so today a refused file is not kept in raw/ (see the strict xfail below).
SCHEMA_CASES = [
    Case("missing_column", "prices_daily",
         lambda env: env.load("prices_daily", "symbol,date,open,high,low,adj_close,volume\n"
                              "NVDA,2025-01-27,124.80,128.40,116.70,118.41,818830900\n"),
         ValueError, "required column 'close' is missing", "load_prices_daily", "conform refuses the file"),
    Case("unknown_extra_column", "prices_daily",
         lambda env: env.load("prices_daily", PRICES_CSV.strip() + ",exchange\n" + GOOD_BAR.strip() + ",NMS\n"),
         ValueError, "unknown columns ['exchange']", "load_prices_daily", "conform refuses the file"),
    Case("renamed_columns", "prices_daily",
         lambda env: env.load("prices_daily", "symbol,date,Open,High,Low,Close,Adj Close,Volume\n" + GOOD_BAR),
         ValueError, "unknown columns ['Adj Close', 'Close', 'High', 'Low', 'Open', 'Volume']",
         "load_prices_daily", "conform refuses the file (schema drift)"),
    Case("wrong_column_type", "prices_daily",
         lambda env: env.load("prices_daily", PRICES_CSV + GOOD_BAR.replace("118.42", "abc")),
         pa.ArrowInvalid, "CSV conversion error to double", "load_prices_daily",
         "the CSV reader refuses the file (typed columns)"),
    Case("naive_timestamps", "prices_daily",
         lambda env: env.load("prices_daily", PRICES_CSV.strip() + ",available_at\n"
                              + GOOD_BAR.strip() + ",2025-01-27 21:00:00\n"),
         pa.ArrowInvalid, "expected a zone offset", "load_prices_daily",
         "the CSV reader refuses timestamps without an offset"),
]  # fmt: skip
# A null in a required column is caught by GX; the quarantine keeps the batch with relaxed nullability.
NULL_CASES = [
    Case("null_in_a_required_column", "prices_daily", prices_with(set_cell("close", None)), QualityError,
         "expect_column_values_to_not_be_null(close)", None, "GX critical: close is required"),
]  # fmt: skip
CASES = [
    *PAYLOAD_CASES,
    *TABLE_CASES,
    *FILE_CASES,
    *SCHEMA_CASES,
    *NULL_CASES,
]


# -- the harness ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every demo feed ingested and the derived datasets built, once per module."""
    root = tmp_path_factory.mktemp("baseline") / "warehouse"
    settings = load_settings(warehouse_url=root.as_uri())
    for name in SOURCES:
        spec = SOURCES[name]
        start = DEMO.start - timedelta(days=spec.warmup_days + spec.lookback_days)
        pipeline.ingest(name, Window(start, DEMO.end), settings)
    derive.run_derive(DEMO, settings)
    return root


@pytest.fixture(scope="module")
def summary(request: pytest.FixtureRequest) -> Iterator[list[tuple[str, str, str]]]:
    """Collects (corruption, dataset, how it was caught) and prints the table when the module is done."""
    rows: list[tuple[str, str, str]] = []
    yield rows
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not rows:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_sep("-", f"bad-input catalogue: {len(rows)} corruptions caught")
        for case_id, dataset, how in rows:
            reporter.write_line(f"{case_id:<40} {dataset:<20} {how}")


def snapshot(warehouse: Warehouse, dataset: str) -> dict[str, str]:
    """sha256 of every stored file of a dataset (its layer/name folder)."""
    meta = catalog.get(dataset)
    return {
        rel: hashlib.sha256(warehouse.read_bytes(rel)).hexdigest()
        for rel in warehouse.list(f"{meta.layer}/{meta.name}")
    }


@pytest.fixture
def env(baseline: Path, tmp_path: Path) -> Env:
    root = tmp_path / "warehouse"
    shutil.copytree(baseline, root)
    url = root.as_uri()
    return Env(tmp_path, Warehouse(url), load_settings(warehouse_url=url, replay_dir=tmp_path / "replay"))


def raw_bodies(warehouse: Warehouse, prefix: str) -> dict[str, str]:
    return {
        rel: hashlib.sha256(warehouse.read_bytes(rel)).hexdigest()
        for rel in warehouse.list(prefix)
        if not rel.endswith(".meta.json")
    }


def run_case(case: Case, env: Env) -> BaseException:
    """Run one corruption; check the error names it, that stored files are unchanged, and what was refused is kept."""
    before = snapshot(env.warehouse, case.dataset)
    with pytest.raises(case.error) as caught:
        case.run(env)
    message = str(caught.value)
    assert case.match in message, message
    assert snapshot(env.warehouse, case.dataset) == before, "stored files changed"
    if isinstance(caught.value, QualityError):
        (batch,) = {rel.split("/")[2] for rel in env.warehouse.list(f"quarantine/{case.dataset}")}
        assert f"quarantine/{case.dataset}/{batch}" in message
        validation = env.warehouse.read_json(f"quarantine/{case.dataset}/{batch}/validation.json")
        assert validation["passed"] is False and any(f["severity"] == "critical" for f in validation["failures"])
        assert env.warehouse.exists(f"quarantine/{case.dataset}/{batch}/batch.parquet")
        assert env.warehouse.read_json(f"_quality/{case.dataset}/{batch}.json")["passed"] is False
    if isinstance(caught.value, SourceError) and case.raw in SOURCES:
        assert env.warehouse.list(f"quarantine/_parse/{case.raw}"), "the parse failure was not recorded"
    return caught.value


def assert_raw_kept(case: Case, env: Env, raw_before: dict[str, str]) -> None:
    """New files under raw/<case.raw>/, one of them the corrupted payload byte for byte."""
    new = {rel: digest for rel, digest in raw_bodies(env.warehouse, f"raw/{case.raw}").items() if rel not in raw_before}
    assert new, f"nothing archived under raw/{case.raw}/"
    if env.received is not None:
        assert hashlib.sha256(env.received).hexdigest() in new.values(), "the corrupted payload is not kept as received"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_corruption_is_caught_and_nothing_is_lost(case: Case, env: Env, summary: list[tuple[str, str, str]]) -> None:
    raw_before = raw_bodies(env.warehouse, f"raw/{case.raw}") if case.raw else {}
    run_case(case, env)
    if case.raw:
        assert_raw_kept(case, env, raw_before)
    summary.append((case.id, case.dataset, case.how))


@pytest.mark.parametrize("case", SCHEMA_CASES, ids=str)
def test_a_file_with_a_broken_schema_is_refused_with_a_clear_error(case: Case, env: Env) -> None:
    run_case(case, env)


def test_the_catalogue_covers_the_issue() -> None:
    ids = {c.id for c in PAYLOAD_CASES + TABLE_CASES + FILE_CASES + SCHEMA_CASES + NULL_CASES}
    assert len(ids) >= 25
    required = {
        "negative_price", "zero_price", "nan_price", "infinite_price", "duplicate_key", "high_below_low",
        "date_in_the_future", "weekend_date", "pmi_of_11", "wrong_column_type", "missing_column",
        "unknown_extra_column", "renamed_columns", "empty_batch", "stale_feed", "naive_timestamps",
        "html_instead_of_json", "truncated_json", "payload_for_the_wrong_symbol", "rate_of_2500_percent",
    }  # fmt: skip
    assert required <= ids
    datasets = {c.dataset for c in PAYLOAD_CASES + TABLE_CASES + FILE_CASES + SCHEMA_CASES}
    assert len(datasets) >= 8
