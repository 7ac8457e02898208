"""Validate a batch with Great Expectations 1.x from our own code, with an ephemeral context.

A dataset's suite is the structural expectations derived from the catalog (columns, not-null,
primary-key uniqueness, no future timestamps) plus the domain expectations kept as JSON in
`quality/suites/<dataset>.json`. Each expectation carries a severity: a critical failure
quarantines the batch, a warning promotes it and is reported.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regime_radar import catalog

if TYPE_CHECKING:
    import pyarrow as pa

SUITES_DIR = Path(__file__).resolve().parent / "suites"
CRITICAL = "critical"
WARNING = "warning"

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

    def summary(self) -> str:
        """One line naming the dataset, the window and each failed expectation."""
        if not self.failures:
            return f"{self.dataset} [{self.window}]: {self.evaluated} expectations passed on {self.row_count} rows"
        parts = [
            f"{f['severity']}: {f['expectation']}({f.get('column') or ''}) x{f.get('unexpected_count')}"
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


def suite_definition(name: str) -> list[dict[str, Any]]:
    """Every expectation for a dataset as plain dicts: catalog-derived first, then the JSON suite."""
    dataset = catalog.get(name)
    expectations: list[dict[str, Any]] = [
        {
            "type": "expect_table_columns_to_match_ordered_list",
            "kwargs": {"column_list": dataset.column_names},
            "severity": CRITICAL,
        }
    ]
    for column in dataset.columns:
        if not column.nullable:
            expectations.append(
                {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": column.name}, "severity": CRITICAL}
            )
    key = list(dataset.primary_key)
    if len(key) == 1:
        expectations.append(
            {"type": "expect_column_values_to_be_unique", "kwargs": {"column": key[0]}, "severity": CRITICAL}
        )
    else:
        expectations.append(
            {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": key}, "severity": CRITICAL}
        )
    path = SUITES_DIR / f"{name}.json"
    if path.exists():
        expectations.extend(json.loads(path.read_text())["expectations"])
    return expectations


def _prepare_frame(name: str, table: pa.Table) -> Any:
    """A pandas view of the batch with derived helper columns some expectations reference."""
    import pandas as pd

    frame = table.to_pandas()
    now = pd.Timestamp.now(tz="UTC")
    for column in ("available_at", "ingested_at", "computed_at", "released_at"):
        if column in frame.columns:
            # Seconds from now to the timestamp: > 0 means "in the future".
            frame[f"__{column}_ahead_s"] = (frame[column] - now).dt.total_seconds()
    return frame


def validate(name: str, table: pa.Table, batch_id: str, window: str) -> ValidationReport:
    """Run the dataset's suite on an Arrow batch and summarise what failed."""
    expectations = suite_definition(name)
    frame = _prepare_frame(name, table)
    derived = [c for c in frame.columns if c.startswith("__")]
    gx_result, docs_html = _run_gx(name, frame, expectations, ignore_columns=derived)
    report = ValidationReport(name, batch_id, window, table.num_rows, gx_result=gx_result, docs_html=docs_html)
    for result in gx_result["results"]:
        spec = expectations[result["expectation_config"]["meta"]["spec_index"]]
        report.evaluated += 1
        if result["success"]:
            continue
        details = result.get("result") or {}
        report.failures.append(
            {
                "expectation": spec["type"],
                "column": spec["kwargs"].get("column") or spec["kwargs"].get("column_list"),
                "kwargs": spec["kwargs"],
                "severity": spec.get("severity", CRITICAL),
                "description": spec.get("description") or spec.get("meta", {}).get("description"),
                "unexpected_count": details.get("unexpected_count"),
                "sample": details.get("partial_unexpected_list", [])[:5],
                "failing_rows": details.get("partial_unexpected_index_list", [])[:20],
                "error": (result.get("exception_info") or {}).get("exception_message"),
            }
        )
    log.info(report.summary())
    return report


def _run_gx(
    name: str, frame: Any, expectations: list[dict[str, Any]], ignore_columns: list[str]
) -> tuple[dict[str, Any], str]:
    """Validate a DataFrame in a throwaway GX context; return GX's JSON result and its Data Docs page."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(f"rr_{name}")
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("batch")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name=name)
    for index, spec in enumerate(expectations):
        kwargs = dict(spec["kwargs"])
        if spec["type"] == "expect_table_columns_to_match_ordered_list":
            kwargs["column_list"] = list(kwargs["column_list"]) + ignore_columns
        expectation = _expectation_class(spec["type"])(
            **kwargs, severity=spec.get("severity", CRITICAL), meta={"spec_index": index}
        )
        suite.add_expectation(expectation)
    result = batch.validate(suite, result_format="SUMMARY")
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    page = DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(result))
    return result.to_json_dict(), page


def _expectation_class(type_name: str) -> Any:
    import great_expectations.expectations as gxe

    class_name = "".join(part.title() for part in type_name.split("_"))
    try:
        return getattr(gxe, class_name)
    except AttributeError:
        raise ValueError(f"unknown expectation type {type_name!r} in a suite") from None
