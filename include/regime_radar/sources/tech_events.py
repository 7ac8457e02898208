"""User-maintained dated tech events (AI model releases, capex guidance) kept as a CSV in the warehouse.

The file lives at `<warehouse>/inputs/tech_events.csv` with columns date,kind,title,url,company and
an optional time (HH:MM, America/New_York). The first fetch copies the seed shipped with the package
there; from then on the user edits the warehouse copy. `fetch` reads it the same way in replay and
live mode. An event is available at its time on its date, or at the 16:00 close when no time is given.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from regime_radar.config import PACKAGE_DIR
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.market_calendar import new_york_instant
from regime_radar.sources.parsing import to_table
from regime_radar.sources.user_files import fetch_user_file

if TYPE_CHECKING:
    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient

DATASET = "tech_events"
FILE_NAME = "tech_events.csv"
WAREHOUSE_PATH = "inputs/" + FILE_NAME
SEED_FILE = PACKAGE_DIR / "demo" / "seed" / FILE_NAME
REQUIRED_COLUMNS = ("date", "kind", "title")
OPTIONAL_COLUMNS = ("time", "url", "company")
DEFAULT_HOUR = 16
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class TechEvents:
    """The events-file source: one CSV in the warehouse, seeded from the package on first use."""

    name = "tech_events"
    datasets = (DATASET,)
    # The file is the user's, in the warehouse: replay runs read it through fetch too.
    fetch_in_replay = True

    def fetch(self, window: Window, http: HttpClient | None, settings: Settings) -> list[Payload]:
        """Read the warehouse copy of the events file, first seeding it when it does not exist."""
        return [fetch_user_file(settings, WAREHOUSE_PATH, SEED_FILE, FILE_NAME)]

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """Turn events files into tech_events rows, refusing malformed lines by number."""
        rows: list[dict[str, Any]] = []
        seen: dict[tuple[date, str], str] = {}
        for payload in payloads:
            for line, row in parse_events(payload):
                key = (row["date"], row["title"])
                where = f"{payload.name} line {line}"
                if key in seen:
                    raise SourceError(f"tech_events: {where} repeats {key[0]} {key[1]!r} from {seen[key]}")
                seen[key] = where
                rows.append(row)
        rows.sort(key=lambda r: (r["date"], r["title"]))
        return {DATASET: to_table(DATASET, rows)}


def parse_events(payload: Payload) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) pairs of one events CSV."""
    where = f"tech_events: {payload.name} ({payload.url})"
    try:
        text = payload.body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{where}: not UTF-8 text: {exc}") from None
    if text.lstrip().startswith("<"):
        raise SourceError(f"{where}: is an HTML/XML page, expected CSV")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        raise SourceError(
            f"{where}: header {header} — missing {missing}, unknown {unknown}; "
            f"expected {list(REQUIRED_COLUMNS)} plus optional {list(OPTIONAL_COLUMNS)}"
        )
    reader.fieldnames = header
    result = []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            raise SourceError(f"{where} line {line}: more fields than the header has (quote titles with commas)")
        cells = {k: (v or "").strip() for k, v in raw.items()}
        if not any(cells.values()):
            continue
        result.append((line, _row(cells, f"{where} line {line}", payload)))
    return result


def _row(cells: dict[str, str], where: str, payload: Payload) -> dict[str, Any]:
    try:
        day = date.fromisoformat(cells["date"])
    except ValueError:
        raise SourceError(f"{where}: date {cells['date']!r} is not YYYY-MM-DD") from None
    if not _KIND.match(cells["kind"]):
        raise SourceError(f"{where}: kind {cells['kind']!r} must be a lower-case word such as model_release")
    if not cells["title"]:
        raise SourceError(f"{where}: title is empty")
    url = cells.get("url") or None
    if url and not url.startswith(("https://", "http://")):
        raise SourceError(f"{where}: url {url!r} must start with http:// or https://")
    hour, minute = DEFAULT_HOUR, 0
    if cells.get("time"):
        match = _TIME.match(cells["time"])
        if not match:
            raise SourceError(f"{where}: time {cells['time']!r} is not HH:MM (America/New_York)")
        hour, minute = int(match.group(1)), int(match.group(2))
    return {
        "date": day,
        "kind": cells["kind"],
        "title": cells["title"],
        "url": url,
        "company": cells.get("company") or None,
        "available_at": new_york_instant(day, hour, minute),
        "ingested_at": payload.fetched_at,
    }


SOURCE = TechEvents()
