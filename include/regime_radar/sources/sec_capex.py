"""Hyperscaler capital expenditure per fiscal quarter from SEC EDGAR's XBRL companyconcept API.

Payloads are companyconcept JSON documents (`/api/xbrl/companyconcept/CIK##########/us-gaap/<Tag>.json`),
one per company and tag; a live fetch names them `<TICKER>/<Tag>.json`, and the parser reads the
company (CIK) and the tag from the document itself, so any file name works in a replay.

How the facts become quarters:

- Tag: each company's capex concept is the tag in `capex_tags` (universe.yaml) whose facts reach the
  latest period end; a tie goes to the earlier tag in that list. One tag per company, never a mix,
  so differences are never taken across concepts.
- Cash-flow facts are year-to-date (3, 6, 9 and 12 months from the fiscal year's start, per the
  company's `fiscal_year_end_month`). Q1 is the 3-month value, Q2 = H1 − Q1, Q3 = 9M − H1 and
  Q4 = FY − 9M. EDGAR's own `fy`/`fp` describe the filing, not the fact (a 10-Q repeats last year's
  YTD as a comparative), so periods are derived from the fact's start and end dates.
- Duplicates: a period reported by several filings (10-Q, its comparative a year later, the 10-K,
  amendments) keeps its FIRST filing — point in time, as first reported. A later filing with a
  different value (a restatement) is ignored: the value the market saw on the filing date stands.
- `available_at` is 00:00 America/New_York on the day after the `filed` date of the later of the two
  YTD facts a quarter needs. EDGAR gives only a filing date, and a filing accepted after 17:30 ET is
  dated the next business day, so the end of the filing date is the earliest safe instant.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from regime_radar import config, universe
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.market_calendar import new_york_instant
from regime_radar.sources.parsing import load_json, to_table

if TYPE_CHECKING:
    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient

DATASET = "capex_quarterly"
DEFAULT_BASE_URL = "https://data.sec.gov"
BASE_URL_ENV = "REGIME_RADAR_SEC_BASE_URL"
USER_AGENT_ENV = "REGIME_RADAR_SEC_USER_AGENT"
REQUESTS_PER_SECOND = 10.0
YTD_MONTHS = (3, 6, 9, 12)
START_TOLERANCE_DAYS = 7  # 52/53-week fiscal years start a few days off the month boundary


def user_agent() -> str:
    """The User-Agent EDGAR requires: the SEC connection's extra `user_agent`, else the environment."""
    conn = config.connection_extra(config.CONNECTION_IDS["sec"]) or {}
    agent = (conn.get("extra") or {}).get("user_agent") or os.environ.get(USER_AGENT_ENV)
    if not agent or "@" not in str(agent):
        raise SourceError(
            "sec_capex: EDGAR requires a User-Agent with a contact e-mail, e.g. 'Jane Doe jane@example.com'; "
            f"set extra.user_agent on Airflow connection {config.CONNECTION_IDS['sec']!r} "
            f"or the {USER_AGENT_ENV} environment variable"
        )
    return str(agent)


class SecCapex:
    """The EDGAR capex source; the base URL is overridable so tests can use a local server."""

    name = "sec_capex"
    datasets = (DATASET,)

    def __init__(self, base_url: str | None = None, tickers: Sequence[str] | None = None) -> None:
        self._base_url = base_url
        self._tickers = tuple(tickers) if tickers is not None else None

    @property
    def base_url(self) -> str:
        return (self._base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")

    def companies(self) -> tuple[universe.Company, ...]:
        everyone = universe.hyperscalers()
        if self._tickers is None:
            return everyone
        return tuple(universe.company(t) for t in self._tickers)

    def fetch(self, window: Window, http: HttpClient, settings: Settings) -> list[Payload]:
        """Download every capex tag for every hyperscaler (the whole history; parse keeps all of it)."""
        from urllib.parse import urlsplit

        from regime_radar.sources.http import FetchError

        headers = {"User-Agent": user_agent(), "Accept": "application/json"}
        http.set_rate_limit(urlsplit(self.base_url).netloc, REQUESTS_PER_SECOND)
        payloads = []
        for company in self.companies():
            found = 0
            for tag in universe.capex_tags():
                url = f"{self.base_url}/api/xbrl/companyconcept/CIK{company.cik10}/us-gaap/{tag}.json"
                try:
                    payload = http.get(url, name=f"{company.ticker}/{tag}.json", headers=headers, expect="json")
                except FetchError as exc:
                    if exc.status == 404:  # the company does not report this concept
                        continue
                    raise
                payload.meta.update(ticker=company.ticker, tag=tag)
                payloads.append(payload)
                found += 1
            if not found:
                raise SourceError(
                    f"sec_capex: EDGAR has none of {', '.join(universe.capex_tags())} for {company.ticker} "
                    f"(CIK {company.cik})"
                )
        return payloads

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """Turn companyconcept payloads into one row per company and fiscal quarter."""
        concepts: dict[str, dict[str, list[Fact]]] = {}
        for payload in payloads:
            company, tag, facts = read_concept(payload)
            concepts.setdefault(company.ticker, {}).setdefault(tag, []).extend(facts)
        rows: list[dict[str, Any]] = []
        for ticker, by_tag in concepts.items():
            tag = choose_tag(by_tag)
            rows.extend(quarters(universe.company(ticker), tag, by_tag[tag]))
        rows.sort(key=lambda r: (r["ticker"], r["period_end"]))
        return {DATASET: to_table(DATASET, rows)}


@dataclass(frozen=True)
class Fact:
    """One reported value for one period in one filing."""

    start: date
    end: date
    value: float
    accession: str
    form: str
    filed: date
    fetched_at: datetime


def read_concept(payload: Payload) -> tuple[universe.Company, str, list[Fact]]:
    """The company, tag and USD duration facts of one companyconcept document."""
    where = f"sec_capex: {payload.name} ({payload.url})"
    document = load_json(payload, "sec_capex")
    if not isinstance(document, dict) or "cik" not in document or "tag" not in document:
        raise SourceError(f"{where}: not a companyconcept document (no cik/tag)")
    try:
        company = universe.company_by_cik(int(document["cik"]))
    except KeyError as exc:
        raise SourceError(f"{where}: {exc.args[0]}") from None
    tag = str(document["tag"])
    if tag not in universe.capex_tags():
        raise SourceError(f"{where}: tag {tag!r} is not one of the capex_tags in universe.yaml")
    facts = []
    for raw in (document.get("units") or {}).get("USD") or []:
        if "start" not in raw:
            continue  # an instant, not a flow over a period
        try:
            facts.append(
                Fact(
                    start=date.fromisoformat(raw["start"]),
                    end=date.fromisoformat(raw["end"]),
                    value=float(raw["val"]),
                    accession=str(raw["accn"]),
                    form=str(raw["form"]),
                    filed=date.fromisoformat(raw["filed"]),
                    fetched_at=payload.fetched_at,
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"{where}: malformed fact {raw!r}: {exc}") from None
    return company, tag, facts


def choose_tag(by_tag: dict[str, list[Fact]]) -> str:
    """The tag whose facts reach the latest period end; ties go to the preferred tag."""
    preference = {tag: i for i, tag in enumerate(universe.capex_tags())}

    def reach(tag: str) -> tuple[date, int]:
        latest = max((f.end for f in by_tag[tag]), default=date.min)
        return latest, -preference[tag]

    return max(by_tag, key=reach)


def fiscal_year_start(end: date, fy_end_month: int) -> tuple[int, date]:
    """The fiscal year (named for the calendar year it ends in) containing `end`, and its first day."""
    fiscal_year = end.year if end.month <= fy_end_month else end.year + 1
    if fy_end_month == 12:
        return fiscal_year, date(fiscal_year, 1, 1)
    return fiscal_year, date(fiscal_year - 1, fy_end_month + 1, 1)


def first_filed(facts: Sequence[Fact]) -> dict[tuple[date, date], Fact]:
    """One fact per (start, end): the first filing; an original form beats its amendment on the same day."""
    chosen: dict[tuple[date, date], Fact] = {}
    for fact in sorted(facts, key=lambda f: (f.filed, f.form.endswith("/A"), f.accession)):
        chosen.setdefault((fact.start, fact.end), fact)
    return chosen


def quarters(company: universe.Company, tag: str, facts: Sequence[Fact]) -> list[dict[str, Any]]:
    """Quarterly rows for one company, differencing its year-to-date facts within each fiscal year."""
    ytd: dict[int, dict[int, Fact]] = {}  # fiscal year -> months (3/6/9/12) -> fact
    for (start, end), fact in first_filed(facts).items():
        fiscal_year, fy_start = fiscal_year_start(end, company.fiscal_year_end_month)
        if abs((start - fy_start).days) > START_TOLERANCE_DAYS:
            continue  # not year-to-date (a discrete later quarter or an odd span)
        months = round((end - start).days / 30.44)
        if months in YTD_MONTHS:
            ytd.setdefault(fiscal_year, {})[months] = fact
    rows = []
    for fiscal_year, by_months in sorted(ytd.items()):
        for k, months in enumerate(YTD_MONTHS, start=1):
            current = by_months.get(months)
            previous = by_months.get(months - 3) if k > 1 else None
            if current is None or (k > 1 and previous is None):
                continue
            amount = current.value - (previous.value if previous else 0.0)
            period = f"{company.ticker} FY{fiscal_year} Q{k} ({current.start}..{current.end})"
            if amount < 0:
                minus = f" minus {previous.value:,.0f} filed {previous.filed}" if previous else ""
                raise SourceError(
                    f"sec_capex: {period} comes out negative ({amount:,.0f}): "
                    f"{tag} YTD {current.value:,.0f} filed {current.filed}{minus}"
                )
            known = max((f for f in (current, previous) if f is not None), key=lambda f: f.filed)
            rows.append(
                {
                    "ticker": company.ticker,
                    "cik": company.cik10,
                    "fiscal_year": fiscal_year,
                    "fiscal_period": f"Q{k}",
                    "period_start": previous.end + timedelta(days=1) if previous else current.start,
                    "period_end": current.end,
                    "capex_usd": amount,
                    "form": known.form,
                    "accession": known.accession,
                    "tag": tag,
                    "available_at": new_york_instant(known.filed + timedelta(days=1), 0),
                    "ingested_at": max(f.fetched_at for f in (current, previous) if f is not None),
                }
            )
    return rows


SOURCE = SecCapex()
