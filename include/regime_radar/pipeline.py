"""The ingest path every feed shares: fetch (or replay) → raw → parse → validate → silver.

These are plain functions of (source, window, settings); the DAGs wrap them as tasks and the
CLI's `load` calls the same promote step, so a user's file takes the path a feed takes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regime_radar import catalog
from regime_radar.config import Settings, load_settings
from regime_radar.quality import docs
from regime_radar.quality.runner import QualityError, ValidationReport, validate
from regime_radar.sources import replay
from regime_radar.sources.base import SourceError, Window
from regime_radar.sources.registry import load_source
from regime_radar.warehouse import Warehouse, new_batch_id

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """What one ingest run did; small and JSON-friendly so it can travel through XCom."""

    source: str
    window: str
    batch_id: str
    raw_files: int
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "window": self.window,
            "batch_id": self.batch_id,
            "raw_files": self.raw_files,
            "datasets": self.datasets,
        }


def ingest(source_name: str, window: Window, settings: Settings | None = None) -> IngestResult:
    """Run one feed for one window: archive what was received, then promote each dataset it yields."""
    settings = settings or load_settings()
    warehouse = Warehouse.from_settings(settings)
    source = load_source(source_name)
    batch_id = new_batch_id(f"{source_name}-")
    log.info("ingest %s for %s (%s mode) into %s", source_name, window, settings.mode, settings.warehouse_url)
    if settings.live:
        from regime_radar.sources.http import HttpClient

        payloads = source.fetch(window, HttpClient(), settings)
    elif getattr(source, "fetch_in_replay", False):
        payloads = source.fetch(window, None, settings)  # user-maintained files in the warehouse
    else:
        payloads = replay.load(settings.replay_dir, source_name)
    raw_files = warehouse.archive_raw(source_name, batch_id, payloads)
    log.info("archived %d raw payload(s) under raw/%s/", len(raw_files), source_name)
    try:
        tables = source.parse(payloads)
    except Exception as exc:
        # The raw payloads are already archived; keep a record of why they could not be used.
        warehouse.write_json(
            f"quarantine/_parse/{source_name}/{batch_id}.json",
            {"source": source_name, "window": str(window), "error": f"{type(exc).__name__}: {exc}"},
        )
        raise SourceError(f"{source_name}: could not parse the payloads of batch {batch_id}: {exc}") from exc
    result = IngestResult(source_name, str(window), batch_id, len(raw_files))
    result.datasets = promote_all(warehouse, tables, window, batch_id, settings)
    return result


def promote_all(
    warehouse: Warehouse,
    tables: dict[str, pa.Table],
    window: Window | None,
    batch_id: str,
    settings: Settings,
    windows: dict[str, Window | None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Validate every table of a batch, then publish them all — or none, if any fails critically.

    Each table replaces the rows of `window` (or of its own entry in `windows`; None = merge by key).
    """
    ingested_at = datetime.now(UTC)
    windows = {name: (windows or {}).get(name, window) for name in tables}
    prepared: dict[str, pa.Table] = {}
    reports: dict[str, ValidationReport] = {}
    for name, table in tables.items():
        table = stamp_ingested_at(name, table, ingested_at)
        if windows[name] is not None:
            table = clip_to_window(name, table, windows[name])
        prepared[name] = table
        reports[name] = check(warehouse, name, table, batch_id, windows[name])
    failed = [name for name, report in reports.items() if not report.passed]
    if failed:
        error = None
        for name in failed:
            where = warehouse.quarantine(name, prepared[name], batch_id, reports[name].as_dict())
            notify_quality_failure(warehouse, reports[name], where, settings)
            error = error or QualityError(reports[name], where)
        raise error
    out = {}
    for name, table in prepared.items():
        published = warehouse.publish(name, table, windows[name], batch_id)
        out[name] = published.as_dict() | {
            "warnings": [f["expectation"] for f in reports[name].warnings],
            "quality": f"_quality/{name}/{batch_id}.json",
        }
    return out


def check(warehouse: Warehouse, name: str, table: pa.Table, batch_id: str, window: Window | None) -> ValidationReport:
    """Validate one batch and keep the result under _quality/, whatever the outcome."""
    report = validate(name, table, batch_id, window or "file")
    report.docs_url = warehouse.uri(docs.page_path(name, batch_id))
    warehouse.write_json(f"_quality/{name}/{batch_id}.json", report.as_dict())
    docs.publish(warehouse, report)
    return report


def notify_quality_failure(warehouse: Warehouse, report: ValidationReport, where: str, settings: Settings) -> None:
    """Queue the data-quality alert of a quarantined batch and try to send it at once.

    If SMTP is down the alert stays in the outbox and the next delivery (any DAG's) sends it;
    the task fails anyway, with the quality error.
    """
    from regime_radar.alerts import AlertDeliveryError, Outbox, deliver_pending, notify_quality

    log.error("quarantined %s: %s", where, report.summary())
    notify_quality(warehouse, report, where, settings, docs_url=report.docs_url)
    try:
        deliver_pending(Outbox(warehouse), settings)
    except AlertDeliveryError as exc:
        log.error("data-quality alert kept in the outbox, not delivered yet: %s", exc)


def stamp_ingested_at(name: str, table: pa.Table, ingested_at: datetime) -> pa.Table:
    """Set ingested_at on every row (when the dataset has the column) and conform to the catalog."""
    import pyarrow as pa

    dataset = catalog.get(name)
    if "ingested_at" in dataset.column_names:
        column = pa.repeat(pa.scalar(ingested_at, pa.timestamp("us", tz="UTC")), table.num_rows)
        if "ingested_at" in table.column_names:
            table = table.set_column(table.column_names.index("ingested_at"), "ingested_at", column)
        else:
            table = table.append_column("ingested_at", column)
    return catalog.conform(name, table)


def clip_to_window(name: str, table: pa.Table, window: Window) -> pa.Table:
    """Keep only the rows a run for `window` is responsible for."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = table.column(catalog.get(name).time_column)
    if table.num_rows == 0:
        return table
    bounds = pc.min_max(column)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if low is not None and window.start <= low and high <= window.end:
        return table  # nothing to clip: skip copying the batch
    mask = pc.and_(
        pc.greater_equal(column, pa.scalar(window.start, column.type)),
        pc.less_equal(column, pa.scalar(window.end, column.type)),
    )
    return table.filter(mask)


def load_file(dataset: str, path: Path, settings: Settings | None = None) -> dict[str, Any]:
    """The landing zone: a user's CSV or Parquet file through the same validate → silver path as a feed."""
    settings = settings or load_settings()
    warehouse = Warehouse.from_settings(settings)
    batch_id = new_batch_id(f"load-{dataset}-")
    warehouse.archive_raw(f"load_{dataset}", batch_id, [_file_payload(path)])  # kept even if refused below
    table = prepare_user_file(dataset, path)
    return promote_all(warehouse, {dataset: table}, None, batch_id, settings)


def prepare_user_file(dataset: str, path: Path) -> pa.Table:
    """Read a user's file and fill the provenance a file cannot carry (source, available_at)."""
    table = read_user_file(dataset, path)
    if "source" in catalog.get(dataset).column_names and "source" not in table.column_names:
        table = table.append_column("source", _const(table, f"file:{path.name}"))
    table = _default_available_at(dataset, table)
    return stamp_ingested_at(dataset, table, datetime.now(UTC))


def read_user_file(dataset: str, path: Path) -> pa.Table:
    """Read a CSV or Parquet file; column types are left to catalog.conform to check."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if path.suffix.lower() == ".parquet":
        return pq.read_table(path)
    if path.suffix.lower() != ".csv":
        raise ValueError(f"{path}: expected a .csv or .parquet file")
    schema = catalog.get(dataset).arrow_schema()
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",") if path.stat().st_size else []
    types = {f.name: f.type for f in schema if f.name in header}
    return pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(column_types=types))


def _default_available_at(dataset: str, table: pa.Table) -> pa.Table:
    """Prices loaded from a file become available at the 16:00 New York close of their date."""
    import pyarrow as pa

    if "available_at" in table.column_names or dataset != "prices_daily":
        return table
    from regime_radar.timeutil import market_close_utc

    values = [market_close_utc(d) for d in table.column("date").to_pylist()]
    return table.append_column("available_at", pa.array(values, pa.timestamp("us", tz="UTC")))


def _const(table: pa.Table, value: Any) -> pa.Array:
    import pyarrow as pa

    return pa.array([value] * table.num_rows)


def _file_payload(path: Path) -> Any:
    from regime_radar.sources.base import Payload

    return Payload(name=path.name, body=path.read_bytes(), url=f"file://{path.resolve()}")
