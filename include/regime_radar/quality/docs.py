"""Data Docs published into the warehouse, so they can be read wherever the warehouse lives (S3 too).

_quality/data_docs/index.html                               every dataset's recent validations
_quality/data_docs/validations/<dataset>/<batch_id>.html    GX's page for one validation
"""

from __future__ import annotations

import html
import posixpath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regime_radar.quality.runner import ValidationReport
    from regime_radar.warehouse import Warehouse

DOCS_DIR = "_quality/data_docs"
RECENT_PER_DATASET = 30


def page_path(dataset: str, batch_id: str) -> str:
    return posixpath.join(DOCS_DIR, "validations", dataset, f"{batch_id}.html")


def publish(warehouse: Warehouse, report: ValidationReport) -> str:
    """Write the validation's page (when GX rendered one) and refresh the index; return the page's URL."""
    rel = page_path(report.dataset, report.batch_id)
    body = report.docs_html or _fallback_page(report)
    warehouse.write_bytes(rel, body.encode("utf-8"))
    rebuild_index(warehouse)
    return warehouse.uri(rel)


def rebuild_index(warehouse: Warehouse) -> str:
    """An index of the latest validations per dataset, newest first, with their outcome."""
    rows = []
    by_dataset: dict[str, list[str]] = {}
    for rel in warehouse.list("_quality"):
        parts = rel.split("/")
        if len(parts) == 3 and parts[2].endswith(".json"):
            by_dataset.setdefault(parts[1], []).append(rel)
    for dataset in sorted(by_dataset):
        for rel in sorted(by_dataset[dataset], reverse=True)[:RECENT_PER_DATASET]:
            result = warehouse.read_json(rel)
            batch_id = result.get("batch_id", posixpath.basename(rel)[:-5])
            failures = result.get("failures", [])
            status = "passed" if result.get("passed") else "QUARANTINED"
            if result.get("passed") and failures:
                status = f"passed with {len(failures)} warning(s)"
            names = ", ".join(sorted({f["expectation"] for f in failures})) or "—"
            link = posixpath.relpath(page_path(dataset, batch_id), DOCS_DIR)
            rows.append(
                f"<tr class='{'ok' if result.get('passed') else 'bad'}'><td>{html.escape(dataset)}</td>"
                f"<td><a href='{html.escape(link)}'>{html.escape(batch_id)}</a></td>"
                f"<td>{html.escape(str(result.get('window', '')))}</td><td>{result.get('row_count', '')}</td>"
                f"<td>{html.escape(status)}</td><td>{html.escape(names)}</td></tr>"
            )
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Regime Radar — Data Docs</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px}tr.bad td{background:#fde2e2}</style></head><body>"
        "<h1>Regime Radar — data quality</h1><p>Latest validations per dataset (newest first).</p>"
        "<table><tr><th>dataset</th><th>batch</th><th>window</th><th>rows</th><th>outcome</th>"
        "<th>failed expectations</th></tr>" + "".join(rows) + "</table></body></html>"
    )
    warehouse.write_bytes(posixpath.join(DOCS_DIR, "index.html"), page.encode("utf-8"))
    return warehouse.uri(DOCS_DIR, "index.html")


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
