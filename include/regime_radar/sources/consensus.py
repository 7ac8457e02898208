"""Consensus forecasts for the macro releases: a user-maintained CSV kept in the warehouse.

The file is `<warehouse>/inputs/consensus.csv`; the first fetch seeds it from
`demo/seed/consensus.csv`, after which it belongs to the user (edit it, the next run picks it up).
Columns: `release, period, consensus, source` and, optionally, `available_at`.

- release: ISM_MFG_PMI, ISM_SERVICES_PMI, JOLTS_OPENINGS, ADP_CHANGE, NFP_CHANGE or UNRATE.
- period: the reference month, `YYYY-MM` or `YYYY-MM-01`.
- consensus: in the release's units — thousands of jobs for NFP_CHANGE and ADP_CHANGE, millions of
  openings for JOLTS_OPENINGS, percent for UNRATE, index points for the PMIs (see `macro.RELEASES`).
- source: where the number came from (free text).
- available_at: when the forecast was known (ISO 8601 with an offset). When absent, the first
  instant after the reference month (00:00 UTC on the 1st of the next month) is used — before any
  of these releases, which all come out after their month ends.

Lines starting with `#` are comments. A malformed line refuses the whole file with its line number.
The file is read from the warehouse in replay mode too (it is an input, not a recording): like
tech_events, the source sets `fetch_in_replay = True`.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from regime_radar.config import PACKAGE_DIR
from regime_radar.macro import RELEASES
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.parsing import to_table
from regime_radar.sources.user_files import fetch_user_file

if TYPE_CHECKING:
    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient

NAME = "macro_consensus"
DATASET = "macro_consensus"
INPUT_PATH = "inputs/consensus.csv"
SEED_PATH = PACKAGE_DIR / "demo" / "seed" / "consensus.csv"
REQUIRED_COLUMNS = ("release", "period", "consensus")
OPTIONAL_COLUMNS = ("source", "available_at")


class Consensus:
    """The consensus file as a source: `fetch` reads (and on first use seeds) it, `parse` validates it."""

    name = NAME
    datasets = (DATASET,)
    # The file is the user's, in the warehouse: replay runs read it through fetch too.
    fetch_in_replay = True

    def __init__(self, seed_path: Path | None = None) -> None:
        self.seed_path = seed_path or SEED_PATH

    def fetch(self, window: Window, http: HttpClient | None, settings: Settings) -> list[Payload]:
        """Read the warehouse's consensus file, first copying the seed there if it does not exist yet."""
        return [fetch_user_file(settings, INPUT_PATH, self.seed_path, "consensus.csv")]

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """Validate the file(s) and return macro_consensus rows; any bad line refuses the batch."""
        rows: dict[tuple[str, date], dict[str, Any]] = {}
        origin: dict[tuple[str, date], str] = {}
        for payload in payloads:
            for line_no, row in parse_csv(payload):
                key = (row["release"], row["period"])
                here = f"{payload.name} line {line_no}"
                if key in rows:
                    raise SourceError(f"{NAME}: {here}: {key[0]} {key[1]:%Y-%m} is already given at {origin[key]}")
                rows[key], origin[key] = row, here
        return {DATASET: to_table(DATASET, [rows[k] for k in sorted(rows)])}


def parse_csv(payload: Payload) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) for each data line of one consensus CSV."""
    where = f"{NAME}: {payload.name}"
    try:
        text = payload.body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{where} is not UTF-8 text: {exc}") from None
    lines = [(i, line) for i, line in enumerate(text.splitlines(), start=1) if not line.lstrip().startswith("#")]
    lines = [(i, line) for i, line in lines if line.strip()]
    if not lines:
        raise SourceError(f"{where} is empty; expected a header {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}")
    header = [h.strip().lower() for h in _cells(lines[0][1])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        raise SourceError(
            f"{where} line {lines[0][0]}: header {header} — missing {missing or 'nothing'}, unknown {unknown or 'none'}"
        )
    out = []
    for line_no, line in lines[1:]:
        at = f"{where} line {line_no}"
        cells = _cells(line)
        if len(cells) != len(header):
            raise SourceError(f"{at}: {len(cells)} fields, the header has {len(header)}")
        record = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        out.append((line_no, _row(record, at, payload)))
    return out


def _cells(line: str) -> list[str]:
    return next(csv.reader([line]))


def _row(record: dict[str, str], at: str, payload: Payload) -> dict[str, Any]:
    release = record["release"].upper()
    if release not in RELEASES:
        raise SourceError(f"{at}: unknown release {record['release']!r}; known: {', '.join(RELEASES)}")
    period = _period(record["period"], at)
    try:
        consensus = float(record["consensus"])
    except ValueError:
        raise SourceError(f"{at}: consensus {record['consensus']!r} is not a number") from None
    available_at = _available_at(record.get("available_at") or "", period, at)
    return {
        "release": release,
        "period": period,
        "consensus": consensus,
        "source": record.get("source") or None,
        "available_at": available_at,
        "ingested_at": payload.fetched_at,
    }


def _period(text: str, at: str) -> date:
    try:
        day = date.fromisoformat(text + "-01" if len(text) == 7 else text)
    except ValueError:
        raise SourceError(f"{at}: period {text!r} is not a month (YYYY-MM or YYYY-MM-01)") from None
    if day.day != 1:
        raise SourceError(f"{at}: period {text!r} is not a month (YYYY-MM or YYYY-MM-01)")
    return day


def _available_at(text: str, period: date, at: str) -> datetime:
    if not text:
        next_month = date(period.year + (period.month == 12), period.month % 12 + 1, 1)
        return datetime.combine(next_month, time(), tzinfo=UTC)
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise SourceError(f"{at}: available_at {text!r} is not an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise SourceError(f"{at}: available_at {text!r} has no UTC offset")
    return instant.astimezone(UTC)


SOURCE = Consensus()
