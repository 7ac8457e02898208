"""Caldara–Iacoviello trade policy uncertainty (TPU) into `policy_uncertainty`.

Live: one download of the authors' workbook `tpu_web_latest.xlsx` (payload `tpu_web_latest.xlsx`).
Two sheets are read: `TPU_DAILY` (column DATE and the daily index `TPUD_index`; older vintages
call it `TPUD` or `TPU`) as index `TPU_DAILY`, and `TPU_MONTHLY` (DATE, `TPU`) as `TPU_MONTHLY`.

available_at (the workbook carries no release dates, so a conservative rule):
- a daily value for day D: D + 1 at 12:00 America/New_York (built from day D's newspapers);
- a monthly value for month M: the end of the first week of month M + 1 (day 8, 00:00 New York).
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.parsing import to_table

if TYPE_CHECKING:
    import pandas as pd

    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient

NAME = "tpu"
DATASET = "policy_uncertainty"
DEFAULT_URL = "https://www.matteoiacoviello.com/tpu_files/tpu_web_latest.xlsx"
URL_ENV = "REGIME_RADAR_TPU_URL"
PAYLOAD_NAME = "tpu_web_latest.xlsx"
NEW_YORK = ZoneInfo("America/New_York")
# sheet -> (index_name, value columns in order of preference)
SHEETS = {
    "TPU_DAILY": ("TPU_DAILY", ("TPUD_index", "TPUD", "TPU_DAILY", "TPU")),
    "TPU_MONTHLY": ("TPU_MONTHLY", ("TPU", "TPU_MONTHLY")),
}
DAILY_LAG = timedelta(days=1)
DAILY_RELEASE = time(12, 0)
MONTHLY_RELEASE_DAY = 8


class TradePolicyUncertainty:
    """The TPU workbook source; the URL is overridable so tests can point it at a local server."""

    name = NAME
    datasets = (DATASET,)

    def __init__(self, url: str | None = None) -> None:
        self._url = url

    @property
    def url(self) -> str:
        return self._url or os.environ.get(URL_ENV) or DEFAULT_URL

    def fetch(self, window: Window, http: HttpClient, settings: Settings) -> list[Payload]:
        """Download the whole workbook (it is one file; the pipeline clips rows to the window)."""
        return [http.get(self.url, name=PAYLOAD_NAME, expect="xlsx")]

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """Both sheets of every workbook payload as policy_uncertainty rows."""
        rows: dict[tuple[str, date], dict[str, Any]] = {}
        for payload in payloads:
            for row in workbook_rows(payload):
                rows[(row["index_name"], row["date"])] = row
        return {DATASET: to_table(DATASET, [rows[k] for k in sorted(rows)])}


def workbook_rows(payload: Payload) -> list[dict[str, Any]]:
    """The rows of both TPU sheets in one workbook payload."""
    import pandas as pd

    where = f"{NAME}: {payload.name} ({payload.url})"
    if not payload.body.startswith(b"PK\x03\x04"):
        raise SourceError(f"{where} is not an XLSX workbook (no ZIP signature)")
    try:
        sheets = pd.read_excel(io.BytesIO(payload.body), sheet_name=None, engine="openpyxl")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise SourceError(f"{where} cannot be read as a workbook (truncated?): {exc}") from None
    missing = [sheet for sheet in SHEETS if sheet not in sheets]
    if missing:
        raise SourceError(f"{where} has no sheet {missing}; sheets: {sorted(sheets)}")
    rows: list[dict[str, Any]] = []
    for sheet, (index_name, candidates) in SHEETS.items():
        rows.extend(_sheet_rows(sheets[sheet], sheet, index_name, candidates, payload, where))
    return rows


def _sheet_rows(
    frame: pd.DataFrame,
    sheet: str,
    index_name: str,
    candidates: tuple[str, ...],
    payload: Payload,
    where: str,
) -> list[dict[str, Any]]:
    import pandas as pd

    columns = {str(c).strip().lower(): c for c in frame.columns}
    date_column = columns.get("date")
    value_column = next((columns[c.lower()] for c in candidates if c.lower() in columns), None)
    if date_column is None or value_column is None:
        raise SourceError(
            f"{where}: sheet {sheet} needs a DATE column and one of {list(candidates)}; has {list(frame.columns)}"
        )
    dates = pd.to_datetime(frame[date_column], errors="coerce")
    values = pd.to_numeric(frame[value_column], errors="coerce")
    bad = dates.isna() & frame[date_column].notna()
    if bad.any():
        raise SourceError(f"{where}: sheet {sheet} has unreadable dates, e.g. {frame[date_column][bad].iloc[0]!r}")
    rows = []
    for stamp, value in zip(dates, values, strict=True):
        if pd.isna(stamp):
            continue
        day = stamp.date()
        rows.append(
            {
                "index_name": index_name,
                "date": day,
                "value": None if pd.isna(value) else float(value),
                "source": NAME,
                "available_at": daily_available_at(day) if index_name == "TPU_DAILY" else monthly_available_at(day),
                "ingested_at": payload.fetched_at,
            }
        )
    return rows


def daily_available_at(day: date) -> datetime:
    """When a daily TPU value is public: the next day at noon New York time."""
    return datetime.combine(day + DAILY_LAG, DAILY_RELEASE, tzinfo=NEW_YORK).astimezone(UTC)


def monthly_available_at(month: date) -> datetime:
    """When a monthly index value is public: day 8 (00:00 New York) of the following month."""
    following = date(month.year + (month.month == 12), month.month % 12 + 1, MONTHLY_RELEASE_DAY)
    return datetime.combine(following, time(0), tzinfo=NEW_YORK).astimezone(UTC)


SOURCE = TradePolicyUncertainty()
