"""Federal Register API v1: presidential documents and trade-agency notices into `policy_documents`.

Live, two queries on `/api/v1/documents.json`, each paged (`page`) until `next_page_url` is empty:

- `presidential`: `conditions[type][]=PRESDOCU` with the presidential document types of the lexicon
  (executive orders, proclamations, memoranda);
- `trade_notices`: notices and rules of the trade agencies (USTR, ITA, BIS) matching the term "tariff".

Both select on `conditions[publication_date]` within the window, because publication date is the
dataset's time column (an order signed before a window but published inside it belongs to that
window); the presidential query also asks `conditions[signing_date][gte]` a year before the window so
reprints of old orders stay out. `fields[]` limits answers to what we keep. Corrections
(`correction_of` set, or a "Correction" title) are dropped. The full text (`raw_text_url`) is
downloaded for every presidential document and for agency documents whose title or abstract look
relevant (lexicon `relevance`); others keep their abstract as body.

Payloads: `documents/<query>/page-<NNN>.json` (the API's JSON) and `full_text/<document_number>.txt`.

available_at: the publication date at 08:45 America/New_York. Documents go on public inspection at
about 08:45 ET on the business day before publication and are online from about 06:00 ET on the
day itself; publication day at 08:45 is the later, conservative bound of both.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.parsing import load_json, to_table
from regime_radar.tariffs.lexicon import load_lexicon

if TYPE_CHECKING:
    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient

NAME = "federal_register"
DATASET = "policy_documents"
DEFAULT_BASE_URL = "https://www.federalregister.gov"
BASE_URL_ENV = "REGIME_RADAR_FEDERAL_REGISTER_BASE_URL"
DOCUMENTS_PATH = "/api/v1/documents.json"
FIELDS = (
    "document_number",
    "executive_order_number",
    "title",
    "type",
    "subtype",
    "abstract",
    "signing_date",
    "publication_date",
    "html_url",
    "raw_text_url",
    "correction_of",
    "corrections",
)
PER_PAGE = 100
MAX_PAGES = 50
REQUESTS_PER_SECOND = 5.0
SIGNING_LOOKBACK_DAYS = 366
AVAILABLE_AT = time(8, 45)
NEW_YORK = ZoneInfo("America/New_York")
_CORRECTION_TITLE = re.compile(r"(?:^correction\b|;\s*corrections?\s*$)", re.IGNORECASE)
_DOC_TYPES = {
    "executive order": "executive_order",
    "proclamation": "proclamation",
    "memorandum": "memorandum",
    "determination": "determination",
    "notice": "notice",
    "rule": "rule",
    "proposed rule": "proposed_rule",
    "presidential document": "presidential_document",
}


class FederalRegister:
    """The Federal Register source; the base URL is overridable so tests can point it at a local server."""

    name = NAME
    datasets = (DATASET,)

    def __init__(self, base_url: str | None = None) -> None:
        self._base_url = base_url

    @property
    def base_url(self) -> str:
        return (self._base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")

    def queries(self, window: Window) -> dict[str, dict[str, Any]]:
        """The API conditions of each query for `window` (without paging)."""
        config = load_lexicon().federal_register
        common: dict[str, Any] = {
            "conditions[publication_date][gte]": window.start.isoformat(),
            "conditions[publication_date][lte]": window.end.isoformat(),
            "fields[]": list(FIELDS),
            "per_page": PER_PAGE,
            "order": "oldest",
        }
        signed_after = window.start - timedelta(days=SIGNING_LOOKBACK_DAYS)
        return {
            "presidential": {
                "conditions[type][]": ["PRESDOCU"],
                "conditions[presidential_document_type][]": list(config["presidential_document_types"]),
                "conditions[signing_date][gte]": signed_after.isoformat(),
                **common,
            },
            "trade_notices": {
                "conditions[agencies][]": list(config["notice_agencies"]),
                "conditions[type][]": list(config["notice_types"]),
                "conditions[term]": config["notice_term"],
                **common,
            },
        }

    def fetch(self, window: Window, http: HttpClient, settings: Settings) -> list[Payload]:
        """Download every page of both queries, then the full text of each relevant document."""
        from urllib.parse import urlsplit

        http.set_rate_limit(urlsplit(self.base_url).netloc, REQUESTS_PER_SECOND)
        payloads: list[Payload] = []
        fetched: set[str] = set()
        for query, conditions in self.queries(window).items():
            page = 1
            while True:
                payload = http.get(
                    self.base_url + DOCUMENTS_PATH,
                    name=f"documents/{query}/page-{page:03d}.json",
                    params={**conditions, "page": page},
                    expect="json",
                )
                payloads.append(payload)
                document = load_page(payload)
                for result in document["results"]:
                    number = str(result.get("document_number") or "")
                    if number in fetched or not wants_full_text(result):
                        continue
                    fetched.add(number)
                    payloads.append(http.get(str(result["raw_text_url"]), name=f"full_text/{number}.txt"))
                if not document.get("next_page_url"):
                    break
                page += 1
                if page > MAX_PAGES:
                    raise SourceError(
                        f"{NAME}: query {query!r} has more than {MAX_PAGES} pages of {PER_PAGE} for {window}; "
                        "run a shorter window"
                    )
        return payloads

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """Turn result pages (and the full texts next to them) into policy_documents rows."""
        texts: dict[str, str] = {}
        pages: list[Payload] = []
        for payload in payloads:
            suffix = PurePosixPath(payload.name).suffix.lower()
            if suffix == ".json":
                pages.append(payload)
            elif suffix in (".txt", ".html", ".htm"):
                texts[PurePosixPath(payload.name).stem] = full_text(payload)
            else:
                raise SourceError(f"{NAME}: unexpected payload {payload.name} ({payload.url})")
        rows: dict[str, dict[str, Any]] = {}
        for payload in sorted(pages, key=lambda p: p.name):
            for index, result in enumerate(load_page(payload)["results"]):
                row = document_row(result, texts, payload, index)
                if row is not None:
                    rows.setdefault(row["doc_id"], row)
        return {DATASET: to_table(DATASET, [rows[k] for k in sorted(rows)])}


def load_page(payload: Payload) -> dict[str, Any]:
    """A result page as a dict with a `results` list; anything else is a SourceError naming the payload."""
    where = f"{NAME}: {payload.name} ({payload.url})"
    document = load_json(payload, NAME)
    if not isinstance(document, dict):
        raise SourceError(f"{where}: expected a JSON object, got {type(document).__name__}")
    if "errors" in document and "results" not in document:
        raise SourceError(f"{where}: the API answered an error: {document['errors']}")
    results = document.get("results", [])
    if not isinstance(results, list):
        raise SourceError(f"{where}: 'results' is {type(results).__name__}, expected a list")
    document["results"] = results
    return document


def is_correction(result: dict[str, Any]) -> bool:
    """A correction notice (it corrects another document; it states nothing new)."""
    return bool(result.get("correction_of")) or bool(_CORRECTION_TITLE.search(str(result.get("title") or "")))


def wants_full_text(result: dict[str, Any]) -> bool:
    """Whether a result is worth downloading in full: a presidential document, or a notice about trade.

    Presidential documents are few and their titles can hide what they do ("Progress on the
    Situation at Our Northern Border" pauses duties), so every one is read; agency documents only
    when their title or abstract matches the lexicon's `relevance`.
    """
    if is_correction(result) or not result.get("raw_text_url") or not result.get("document_number"):
        return False
    if str(result.get("type") or "").strip().lower() == "presidential document":
        return True
    lexicon = load_lexicon()
    return lexicon.is_relevant(str(result.get("title") or "")) or lexicon.is_relevant(str(result.get("abstract") or ""))


def full_text(payload: Payload) -> str:
    """The plain text of a raw-text payload (GPO's `<pre>` wrapper removed); HTML pages are refused."""
    text = payload.body.decode("utf-8-sig", "replace")
    lowered = text.lstrip()[:512].lower()
    if lowered.startswith(("<!doctype", "<html")) or "<pre" in lowered:
        inner = re.search(r"<pre[^>]*>(.*?)(?:</pre>|\Z)", text, re.IGNORECASE | re.DOTALL)
        if inner is None:
            raise SourceError(f"{NAME}: {payload.name} ({payload.url}) is an HTML page, not a document's text")
        text = re.sub(r"<[^>]+>", "", inner.group(1))
    return html.unescape(text).strip()


def document_row(result: Any, texts: dict[str, str], payload: Payload, index: int) -> dict[str, Any] | None:
    """One policy_documents row for one API result; None for corrections."""
    where = f"{NAME}: {payload.name} result {index}"
    if not isinstance(result, dict):
        raise SourceError(f"{where} is {type(result).__name__}, expected an object")
    if is_correction(result):
        return None
    number = str(result.get("document_number") or "").strip()
    title = str(result.get("title") or "").strip()
    if not number or not title:
        raise SourceError(f"{where} has no document_number or title")
    published = _date(result.get("publication_date"), f"{where} publication_date")
    if published is None:
        raise SourceError(f"{where} ({number}) has no publication_date")
    eo = _eo_number(result.get("executive_order_number"), where)
    kind = str(result.get("subtype") or result.get("type") or "").strip().lower()
    body = texts.get(number) or (str(result["abstract"]).strip() if result.get("abstract") else None)
    return {
        "doc_id": f"{NAME}:{number}",
        "feed": NAME,
        "document_number": number,
        "eo_number": eo,
        "title": title,
        "doc_type": _DOC_TYPES.get(kind, kind.replace(" ", "_") or None),
        "signed_on": _date(result.get("signing_date"), f"{where} signing_date"),
        "published_on": published,
        "url": result.get("html_url"),
        "body_text": body,
        "available_at": available_at(published),
        "ingested_at": payload.fetched_at,
    }


def available_at(published: date) -> datetime:
    """When a Federal Register document is public: its publication date at 08:45 New York time."""
    return datetime.combine(published, AVAILABLE_AT, tzinfo=NEW_YORK).astimezone(UTC)


def _eo_number(value: Any, where: str) -> str | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        return str(int(value))
    except (TypeError, ValueError):
        raise SourceError(f"{where}: executive_order_number is not a number: {value!r}") from None


def _date(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise SourceError(f"{what} is not a date: {value!r}") from None


SOURCE = FederalRegister()
