"""Validate a batch with Great Expectations 1.x from our own code, with an ephemeral context.

A dataset's suite is the structural expectations derived from the catalog (columns, rows when the
dataset must have some, not-null, primary-key uniqueness) plus the domain expectations kept as JSON
in `quality/suites/<dataset>.json`. Each expectation carries a severity: a critical failure
quarantines the batch, a warning promotes it and is reported.

Suite files: `{"name", "expectations": [{type, kwargs, severity, description}], "sets": {...}}`.
A kwargs value `"@name"` (e.g. a value_set) and an `@name` inside a row_condition stand for the list
`sets[name]`, so a vocabulary is written once. Columns named `__*` are derived helper columns that
`quality.derived` computes from the batch (and its window) before GX runs.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regime_radar import catalog

if TYPE_CHECKING:
    import pyarrow as pa

    from regime_radar.sources.base import Window

SUITES_DIR = Path(__file__).resolve().parent / "suites"
CRITICAL = "critical"
WARNING = "warning"
# SUMMARY with the failing rows' index; GX's pandas "query" string (every failing index again) is not needed.
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 20, "return_unexpected_index_query": False}
COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")
_SET_REFERENCE = re.compile(r"@(\w+)")
_WINDOW_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}")

log = logging.getLogger(__name__)


@dataclass
class ValidationReport:
    """The outcome of one batch's validation, small enough to log, store and e-mail."""

    dataset: str
    batch_id: str
    window: str
    row_count: int
    failures: list[dict[str, Any]] = field(default_factory=list)
    evaluated: int = 0
    validated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    gx_result: dict[str, Any] = field(default_factory=dict, repr=False)
    docs_html: str | None = field(default=None, repr=False)  # GX's rendered Data Docs page
    docs_url: str | None = None  # where that page was published in the warehouse

    @property
    def critical(self) -> list[dict[str, Any]]:
        return [f for f in self.failures if f["severity"] == CRITICAL]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [f for f in self.failures if f["severity"] != CRITICAL]

    @property
    def passed(self) -> bool:
        return not self.critical

    @property
    def failing_rows(self) -> list[int]:
        """Row positions in the batch (as validated and quarantined) named by critical failures; ≤ 20 each."""
        return sorted({int(i) for f in self.critical for i in f.get("failing_rows") or [] if isinstance(i, int)})

    def summary(self) -> str:
        """One line naming the dataset, the window and each failed expectation."""
        if not self.failures:
            return f"{self.dataset} [{self.window}]: {self.evaluated} expectations passed on {self.row_count} rows"
        parts = [
            f"{f['severity']}: {f['expectation']}({_column_text(f.get('column'))}) x{f.get('unexpected_count')}"
            for f in self.failures
        ]
        return f"{self.dataset} [{self.window}]: " + "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "batch_id": self.batch_id,
            "window": self.window,
            "row_count": self.row_count,
            "passed": self.passed,
            "evaluated": self.evaluated,
            "failures": self.failures,
            "failing_rows": self.failing_rows,
            "validated_at": self.validated_at,
            "docs_url": self.docs_url,
            "gx_result": self.gx_result,
        }


class QualityError(RuntimeError):
    """A batch failed a critical expectation; it has been quarantined and silver is untouched."""

    def __init__(self, report: ValidationReport, quarantined_at: str | None = None) -> None:
        self.report = report
        self.quarantined_at = quarantined_at
        where = f"; batch kept at {quarantined_at}" if quarantined_at else ""
        super().__init__(f"critical data-quality failure in {report.summary()}{where}")


def _column_text(column: Any) -> str:
    if isinstance(column, list | tuple):
        return ",".join(str(c) for c in column)
    return str(column or "")


@cache
def suite_file(name: str) -> dict[str, Any]:
    """The dataset's JSON suite as written (empty when the dataset has none)."""
    catalog.get(name)
    path = SUITES_DIR / f"{name}.json"
    if not path.exists():
        return {"name": name, "expectations": [], "sets": {}}
    return json.loads(path.read_text())


def suite_definition(name: str) -> list[dict[str, Any]]:
    """Every expectation for a dataset as plain dicts: catalog-derived first, then the JSON suite."""
    dataset = catalog.get(name)
    expectations: list[dict[str, Any]] = [
        {
            "type": "expect_table_columns_to_match_ordered_list",
            "kwargs": {"column_list": dataset.column_names},
            "severity": CRITICAL,
            "description": "the catalog's columns, in order",
        }
    ]
    if dataset.expect_rows:
        expectations.append(
            {
                "type": "expect_table_row_count_to_be_between",
                "kwargs": {"min_value": 1},
                "severity": CRITICAL,
                "description": "an empty batch would erase the window's rows",
            }
        )
    for column in dataset.columns:
        if not column.nullable:
            expectations.append(
                {
                    "type": "expect_column_values_to_not_be_null",
                    "kwargs": {"column": column.name},
                    "severity": CRITICAL,
                    "description": f"{column.name} is required",
                }
            )
    key = list(dataset.primary_key)
    expectations.append(
        {
            "type": "expect_column_values_to_be_unique" if len(key) == 1 else "expect_compound_columns_to_be_unique",
            "kwargs": {"column": key[0]} if len(key) == 1 else {"column_list": key},
            "severity": CRITICAL,
            "description": f"one row per {', '.join(key)}",
        }
    )
    suite = suite_file(name)
    sets = suite.get("sets", {})
    expectations.extend(_expand_sets(spec, sets, name) for spec in suite["expectations"])
    return expectations


def _expand_sets(spec: dict[str, Any], sets: dict[str, list[Any]], name: str) -> dict[str, Any]:
    """Replace `"@set"` kwargs values and `@set` tokens in a row_condition by the suite's named lists."""

    def lookup(set_name: str) -> list[Any]:
        if set_name not in sets:
            raise ValueError(f"suite {name}: {spec['type']} refers to unknown set @{set_name}")
        return sets[set_name]

    kwargs = {}
    for key, value in spec["kwargs"].items():
        if key == "row_condition" and isinstance(value, str):
            value = _SET_REFERENCE.sub(lambda m: json.dumps(lookup(m.group(1))), value)
        elif isinstance(value, str) and value.startswith("@"):
            value = lookup(value[1:])
        kwargs[key] = value
    return {**spec, "kwargs": kwargs}


def referenced_columns(spec: dict[str, Any]) -> list[str]:
    """The columns an expectation names (column, column_A/B, column_list)."""
    names: list[str] = []
    for key in COLUMN_KWARGS:
        value = spec["kwargs"].get(key)
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, list):
            names.extend(value)
    return names


def derived_columns(expectations: list[dict[str, Any]]) -> list[str]:
    """The `__*` helper columns a suite needs, in first-use order."""
    names: list[str] = []
    for spec in expectations:
        names += [c for c in referenced_columns(spec) if c.startswith("__") and c not in names]
    return names


def _prepare_frame(
    name: str,
    table: pa.Table,
    window: Window | None = None,
    now: datetime | None = None,
    columns: list[str] | None = None,
) -> Any:
    """A pandas view of the batch plus the derived helper columns the suite references."""
    import pandas as pd

    from regime_radar.quality import derived

    if columns is None:
        columns = derived_columns(suite_definition(name))
    helpers = derived.compute(name, table, columns, window, now or datetime.now(UTC))
    # One block per column and no copies: GX then gets each expectation's columns as cheap views.
    frame = table.to_pandas(date_as_object=False, split_blocks=True)
    return pd.DataFrame({**{c: frame[c] for c in frame.columns}, **helpers}, copy=False)


def validate(
    name: str,
    table: pa.Table,
    batch_id: str,
    window: Window | str | None = None,
    *,
    now: datetime | None = None,
) -> ValidationReport:
    """Run the dataset's suite on an Arrow batch and summarise what failed.

    `window` is the Window the batch claims to cover (coverage and staleness are checked against it),
    also accepted in its text form `YYYY-MM-DD..YYYY-MM-DD` as the pipeline records it; any other text
    is just a label for the report (a file name). `now` is the instant "the future" starts from.
    """
    from regime_radar.sources.base import Window

    span = window if isinstance(window, Window) else _window_from_text(window)
    label = str(window) if window is not None else "file"
    expectations = suite_definition(name)
    now = now or datetime.now(UTC)
    if table.num_rows == 0:
        report = _validate_empty(name, table, batch_id, label, expectations)
    else:
        columns = derived_columns(expectations)
        frame = _prepare_frame(name, table, span, now, columns)
        gx_result, docs_html = _run_gx(name, frame, expectations, ignore_columns=columns)
        report = ValidationReport(name, batch_id, label, table.num_rows, gx_result=gx_result, docs_html=docs_html)
        for result in gx_result["results"]:
            spec = expectations[result["expectation_config"]["meta"]["spec_index"]]
            report.evaluated += 1
            if not result["success"]:
                report.failures.append(_failure(spec, result))
    log.info(report.summary())
    return report


def _window_from_text(text: Any) -> Window | None:
    """A window written as `str(Window)` read back; None for any other label."""
    from regime_radar.sources.base import Window

    if isinstance(text, str) and _WINDOW_TEXT.fullmatch(text):
        start, end = text.split("..")
        return Window.parse(start, end)
    return None


def _failure(spec: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    details = result.get("result") or {}
    kwargs = spec["kwargs"]
    return {
        "expectation": spec["type"],
        "column": kwargs.get("column") or kwargs.get("column_list") or _pair(kwargs),
        "kwargs": kwargs,
        "severity": spec.get("severity", CRITICAL),
        "description": spec.get("description") or spec.get("meta", {}).get("description"),
        "unexpected_count": details.get("unexpected_count"),
        "observed_value": details.get("observed_value"),
        "sample": details.get("partial_unexpected_list", [])[:5],
        "failing_rows": details.get("partial_unexpected_index_list", [])[:20],
        "error": _exception_message(result.get("exception_info")),
    }


def _exception_message(info: Any) -> str | None:
    """GX's exception message for an expectation that could not be evaluated (flat or keyed by metric)."""
    if not isinstance(info, dict):
        return None
    if info.get("exception_message"):
        return str(info["exception_message"])
    messages = [str(v["exception_message"]) for v in info.values() if isinstance(v, dict) and "exception_message" in v]
    return "; ".join(messages) or None


def _pair(kwargs: dict[str, Any]) -> list[str] | None:
    return [kwargs["column_A"], kwargs["column_B"]] if "column_A" in kwargs else None


def _validate_empty(
    name: str, table: pa.Table, batch_id: str, label: str, expectations: list[dict[str, Any]]
) -> ValidationReport:
    """An empty batch without GX: only the table-level expectations can fail, and are checked here."""
    dataset = catalog.get(name)
    report = ValidationReport(name, batch_id, label, 0, evaluated=len(expectations))
    for spec in expectations:
        failed = (
            spec["type"] == "expect_table_columns_to_match_ordered_list" and table.column_names != dataset.column_names
        ) or spec["type"] == "expect_table_row_count_to_be_between"
        if failed:
            report.failures.append(
                {
                    "expectation": spec["type"],
                    "column": None,
                    "kwargs": spec["kwargs"],
                    "severity": spec.get("severity", CRITICAL),
                    "description": spec.get("description"),
                    "unexpected_count": None,
                    "observed_value": table.column_names if "column_list" in spec["kwargs"] else 0,
                    "sample": [],
                    "failing_rows": [],
                    "error": None,
                }
            )
    return report


def _import_gx() -> Any:
    """Import GX once per process, with its INFO chatter turned down (GX sets some of its loggers to INFO)."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    for logger_name in list(logging.root.manager.loggerDict):
        if logger_name.startswith("great_expectations"):
            logging.getLogger(logger_name).setLevel(logging.WARNING)
    # GX fingerprints every in-memory batch under HASH_THRESHOLD bytes by hashing all its rows, twice
    # per validation; our batches are named by batch ids, so the fingerprint is pure cost.
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0
    return gx


def _run_gx(
    name: str, frame: Any, expectations: list[dict[str, Any]], ignore_columns: list[str]
) -> tuple[dict[str, Any], str]:
    """Validate a DataFrame in a throwaway GX context; return GX's JSON result and its Data Docs page.

    Expectations are validated in groups that share their columns, each on a frame of just those
    columns (table-level ones and those with a row_condition see the whole frame): GX's pandas engine
    copies its whole domain frame for every column expectation, which at millions of rows costs more
    than the checks. The groups' results are put back in suite order as one suite result.
    """
    gx = _import_gx()
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView
    from great_expectations.validator.validator import calc_validation_statistics

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas(f"rr_{name}")
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("batch")
    )
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, spec in enumerate(expectations):
        columns = () if "row_condition" in spec["kwargs"] else tuple(dict.fromkeys(referenced_columns(spec)))
        if spec["type"].startswith("expect_table_"):
            columns = ()
        groups.setdefault(columns, []).append(index)
    results: dict[int, Any] = {}
    meta: dict[str, Any] = {}
    batch_id = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for columns, indices in groups.items():
            data = frame[list(columns)] if columns else frame
            batch = batch_definition.get_batch(batch_parameters={"dataframe": data})
            suite = gx.ExpectationSuite(name=name)
            for index in indices:
                suite.add_expectation(_expectation(expectations[index], index, ignore_columns))
            outcome = batch.validate(suite, result_format=RESULT_FORMAT)
            for result in outcome.results:
                results[result.expectation_config.meta["spec_index"]] = result
            if not columns or not meta:
                meta, batch_id = outcome.meta, outcome.batch_id
        ordered = [results[i] for i in sorted(results)]
        for item in ordered:  # numpy scalars (a column max) break GX's renderer: repr(np.float64) is not a number
            item.result = _plain(item.result)
        statistics = calc_validation_statistics(ordered)
        result = ExpectationSuiteValidationResult(
            results=ordered,
            success=statistics.success,
            suite_name=name,
            statistics={
                "evaluated_expectations": statistics.evaluated_expectations,
                "successful_expectations": statistics.successful_expectations,
                "unsuccessful_expectations": statistics.unsuccessful_expectations,
                "success_percent": statistics.success_percent,
            },
            meta=meta,
            batch_id=batch_id,
        )
        page = DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(result))
    return result.to_json_dict(), page


def _docs_text(spec: dict[str, Any]) -> str | None:
    """What Data Docs print for an expectation: its severity and the suite's description (GX's own text otherwise)."""
    if not spec.get("description"):
        return None
    return f"[{spec.get('severity', CRITICAL)}] {spec['description']}"


def _plain(value: Any) -> Any:
    """Numpy scalars inside a result as plain Python numbers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        return item()
    return value


def _expectation(spec: dict[str, Any], index: int, ignore_columns: list[str]) -> Any:
    """The GX expectation of one suite entry, tagged with its position in the suite."""
    kwargs = dict(spec["kwargs"])
    if spec["type"] == "expect_table_columns_to_match_ordered_list":
        kwargs["column_list"] = list(kwargs["column_list"]) + ignore_columns
    if "row_condition" in kwargs:
        kwargs.setdefault("condition_parser", "pandas")
    return _expectation_class(spec["type"])(
        **kwargs,
        severity=spec.get("severity", CRITICAL),
        description=_docs_text(spec),
        meta={"spec_index": index},
    )


def _expectation_class(type_name: str) -> Any:
    import great_expectations.expectations as gxe

    class_name = "".join(part.title() for part in type_name.split("_"))
    try:
        return getattr(gxe, class_name)
    except AttributeError:
        raise ValueError(f"unknown expectation type {type_name!r} in a suite") from None
