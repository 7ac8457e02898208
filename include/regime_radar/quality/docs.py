"""Data Docs published into the warehouse, so they can be read wherever the warehouse lives (S3 too).

_quality/data_docs/index.html                               recent validations, newest first
_quality/data_docs/validations/<dataset>/<batch_id>.html    GX's page for one validation
_quality/data_docs/recent/<dataset>.json                    a dataset's latest results, summarised for the index

Publishing a validation re-reads only its own dataset's newest results (pre-selected by file time,
ordered by the validated_at they record), so the cost stays flat however many results pile up.
"""

from __future__ import annotations

import html
import posixpath
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regime_radar.quality.runner import ValidationReport
    from regime_radar.warehouse import Warehouse

DOCS_DIR = "_quality/data_docs"
RECENT_DIR = posixpath.join(DOCS_DIR, "recent")
RECENT_PER_DATASET = 30
# Results are pre-selected by modification time (cheap to list, on S3 too), this many beyond the ones
# shown, then ordered by validated_at; the margin absorbs files rewritten or copied later.
CANDIDATE_MARGIN = 10


def page_path(dataset: str, batch_id: str) -> str:
    return posixpath.join(DOCS_DIR, "validations", dataset, f"{batch_id}.html")


def publish(warehouse: Warehouse, report: ValidationReport) -> str:
    """Write the validation's page (when GX rendered one) and refresh the index; return the page's URL."""
    rel = page_path(report.dataset, report.batch_id)
    body = report.docs_html or _fallback_page(report)
    warehouse.write_bytes(rel, body.encode("utf-8"))
    refresh_dataset(warehouse, report.dataset)
    write_index(warehouse)
    return warehouse.uri(rel)


def refresh_dataset(warehouse: Warehouse, dataset: str, per_dataset: int = RECENT_PER_DATASET) -> list[dict[str, Any]]:
    """Summarise a dataset's latest results (newest first by validated_at) for the index."""
    base = warehouse.path("_quality", dataset)
    files = warehouse.fs.find(base, detail=True) if warehouse.fs.exists(base) else {}
    prefix = warehouse.root + "/"
    candidates = sorted(
        ((_modified(info), path[len(prefix) :] if path.startswith(prefix) else path) for path, info in files.items()),
        reverse=True,
    )
    summaries = [
        _summary(warehouse, dataset, rel)
        for _, rel in candidates[: per_dataset + CANDIDATE_MARGIN]
        if rel.endswith(".json")
    ]
    summaries.sort(key=lambda r: r["validated_at"], reverse=True)
    summaries = summaries[:per_dataset]
    warehouse.write_json(posixpath.join(RECENT_DIR, f"{dataset}.json"), summaries)
    return summaries


def recent_results(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Every dataset's summarised recent results, newest first across datasets."""
    results = []
    for rel in warehouse.list(RECENT_DIR):
        if rel.endswith(".json"):
            results += warehouse.read_json(rel)
    results.sort(key=lambda r: r["validated_at"], reverse=True)
    return results


def rebuild_index(warehouse: Warehouse) -> str:
    """Re-summarise every dataset's results from _quality/ and write the index (after a copy or a cleanup)."""
    base = warehouse.path("_quality")
    datasets = [
        posixpath.basename(p.rstrip("/"))
        for p in (warehouse.fs.ls(base, detail=False) if warehouse.fs.exists(base) else [])
        if posixpath.basename(p.rstrip("/")) != posixpath.basename(DOCS_DIR)
    ]
    for dataset in sorted(datasets):
        if warehouse.fs.isdir(warehouse.path("_quality", dataset)):
            refresh_dataset(warehouse, dataset)
    return write_index(warehouse)


def write_index(warehouse: Warehouse) -> str:
    """The index page: the latest validation per dataset, then every recent one, newest first."""
    results = recent_results(warehouse)
    latest: dict[str, dict[str, Any]] = {}
    for result in results:
        latest.setdefault(result["dataset"], result)
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Regime Radar — Data Docs</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}tr.bad td{background:#fde2e2}"
        "tr.warn td{background:#fff4d6}</style></head><body><h1>Regime Radar — data quality</h1>"
        "<h2>Latest validation per dataset</h2>"
        + _table([latest[name] for name in sorted(latest)])
        + f"<h2>Recent validations, newest first</h2><p>Up to {RECENT_PER_DATASET} per dataset.</p>"
        + _table(results)
        + "</body></html>"
    )
    warehouse.write_bytes(posixpath.join(DOCS_DIR, "index.html"), page.encode("utf-8"))
    return warehouse.uri(DOCS_DIR, "index.html")


def _table(results: list[dict[str, Any]]) -> str:
    head = (
        "<table><tr><th>validated (UTC)</th><th>dataset</th><th>batch</th><th>window</th><th>rows</th>"
        "<th>outcome</th><th>failed expectations</th></tr>"
    )
    rows = []
    for r in results:
        link = posixpath.relpath(page_path(r["dataset"], r["batch_id"]), DOCS_DIR)
        css = "bad" if not r["passed"] else ("warn" if r["warned"] else "ok")
        rows.append(
            f"<tr class='{css}'><td>{html.escape(r['validated_text'])}</td><td>{html.escape(r['dataset'])}</td>"
            f"<td><a href='{html.escape(link)}'>{html.escape(r['batch_id'])}</a></td>"
            f"<td>{html.escape(str(r['window']))}</td><td>{html.escape(str(r['row_count']))}</td>"
            f"<td>{html.escape(r['outcome'])}</td><td>{html.escape(r['failed'])}</td></tr>"
        )
    return head + "".join(rows) + "</table>"


def _summary(warehouse: Warehouse, dataset: str, rel: str) -> dict[str, Any]:
    """What the index shows of one stored result."""
    result = warehouse.read_json(rel)
    failures = result.get("failures", [])
    passed = bool(result.get("passed"))
    warnings = sum(1 for f in failures if f.get("severity") != "critical")
    outcome = "passed" if passed else "QUARANTINED"
    if passed and failures:
        outcome = f"passed with {warnings} warning(s)"
    validated = _instant(result.get("validated_at"))
    return {
        "dataset": dataset,
        "batch_id": result.get("batch_id", posixpath.basename(rel)[:-5]),
        "window": result.get("window", ""),
        "row_count": result.get("row_count", ""),
        "passed": passed,
        "warned": bool(failures),
        "outcome": outcome,
        "failed": ", ".join(sorted({f["expectation"] for f in failures})) or "—",
        "validated_at": validated.astimezone(UTC).isoformat(timespec="microseconds"),  # sorts as text
        "validated_text": validated.strftime("%Y-%m-%d %H:%M:%S") if validated.year > 1 else "?",
    }


def _instant(text: Any) -> datetime:
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _modified(info: dict[str, Any]) -> float:
    """A listing entry's modification time as epoch seconds (local: mtime; S3: LastModified)."""
    for key in ("mtime", "LastModified", "last_modified", "updated"):
        value = info.get(key)
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, str):
            return _instant(value).timestamp()
    return 0.0


def _fallback_page(report: ValidationReport) -> str:
    items = "".join(
        f"<li>{html.escape(f['severity'])}: {html.escape(f['expectation'])} "
        f"{html.escape(str(f.get('description') or ''))}</li>"
        for f in report.failures
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(report.dataset)}</title></head>"
        f"<body><h1>{html.escape(report.dataset)} — {html.escape(report.batch_id)}</h1>"
        f"<p>{html.escape(report.summary())}</p><ul>{items}</ul></body></html>"
    )
