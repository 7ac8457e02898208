"""The White House presidential-actions RSS feeds into `policy_documents`.

The White House posts an order on the day it is signed; the Federal Register prints it 3–6 days
later. Live, the source reads `<base>/<feed>/feed/` for each feed of the lexicon (presidential
actions, fact sheets, remarks), following WordPress paging (`?paged=N`) until a page holds items
older than the window, is empty, or answers 404.

Payloads: `<feed>/page-<NNN>.xml`, each an RSS 2.0 document as received.

Each item becomes one row: `doc_id` is `whitehouse_actions:<path of its link>`; the body is the
item's `content:encoded` (else `description`) as plain text; `doc_type` comes from its categories
(else the feed folder of its link); `signed_on` from the "THE WHITE HOUSE, <date>." signature line
(else, for orders, proclamations and memoranda, the New York date of `pubDate`); `published_on` is
the New York date of `pubDate`. available_at: the item's `pubDate`.
"""

from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pyarrow as pa

from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.parsing import to_table
from regime_radar.tariffs.lexicon import load_lexicon

if TYPE_CHECKING:
    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient

NAME = "whitehouse_actions"
DATASET = "policy_documents"
DEFAULT_BASE_URL = "https://www.whitehouse.gov"
BASE_URL_ENV = "REGIME_RADAR_WHITEHOUSE_BASE_URL"
MAX_PAGES = 20
REQUESTS_PER_SECOND = 2.0
NEW_YORK = ZoneInfo("America/New_York")
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}encoded"
SIGNED_TYPES = frozenset({"executive_order", "proclamation", "memorandum", "presidential_action"})
_SIGNATURE = re.compile(
    r"THE\s+WHITE\s+HOUSE,?\s+((?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\s+\d{1,2},\s+\d{4})",
)
_FOLDER_TYPES = {
    "presidential-actions": "presidential_action",
    "fact-sheets": "fact_sheet",
    "remarks": "remarks",
    "briefings-statements": "statement",
}
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "section"})


class WhiteHouseActions:
    """The White House feeds source; the base URL is overridable so tests can point it at a local server."""

    name = NAME
    datasets = (DATASET,)

    def __init__(self, base_url: str | None = None, feeds: Sequence[str] | None = None) -> None:
        self._base_url = base_url
        self._feeds = tuple(feeds) if feeds is not None else None

    @property
    def base_url(self) -> str:
        return (self._base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")

    @property
    def feeds(self) -> tuple[str, ...]:
        return self._feeds if self._feeds is not None else tuple(load_lexicon().whitehouse["feeds"])

    def fetch(self, window: Window, http: HttpClient, settings: Settings) -> list[Payload]:
        """Download each feed's pages back to the start of the window."""
        from regime_radar.sources.http import FetchError

        http.set_rate_limit(urlsplit(self.base_url).netloc, REQUESTS_PER_SECOND)
        since = datetime.combine(window.start, time(0), tzinfo=NEW_YORK).astimezone(UTC)
        payloads: list[Payload] = []
        for feed in self.feeds:
            for page in range(1, MAX_PAGES + 1):
                try:
                    payload = http.get(
                        f"{self.base_url}/{feed}/feed/",
                        name=f"{feed}/page-{page:03d}.xml",
                        params={"paged": page} if page > 1 else None,
                        expect="xml",
                    )
                except FetchError as exc:
                    if page > 1 and exc.status == 404:
                        break  # WordPress answers 404 past the last page
                    raise
                payloads.append(payload)
                stamps = [item["available_at"] for item in feed_items(payload)]
                if not stamps or min(stamps) < since:
                    break
        return payloads

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """Turn RSS payloads into policy_documents rows, one per item (the first copy of a repeated item wins)."""
        rows: dict[str, dict[str, Any]] = {}
        for payload in sorted(payloads, key=lambda p: p.name):
            for item in feed_items(payload):
                rows.setdefault(item["doc_id"], item)
        return {DATASET: to_table(DATASET, [rows[k] for k in sorted(rows)])}


def feed_items(payload: Payload) -> list[dict[str, Any]]:
    """The items of one RSS payload as policy_documents rows; malformed feeds raise SourceError."""
    where = f"{NAME}: {payload.name} ({payload.url})"
    body = payload.body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        raise SourceError(f"{where} is empty, expected an RSS document")
    if body[:15].lower().startswith((b"<!doctype html", b"<html")):
        raise SourceError(f"{where} is an HTML page, expected an RSS document")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise SourceError(f"{where} is not well-formed XML (truncated?): {exc}") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise SourceError(f"{where}: expected <rss><channel>, got <{root.tag}>")
    categories = {str(k).lower(): v for k, v in load_lexicon().whitehouse["categories"].items()}
    return [_item_row(item, i, payload, categories) for i, item in enumerate(channel.findall("item"))]


def _item_row(item: ET.Element, index: int, payload: Payload, categories: dict[str, str]) -> dict[str, Any]:
    where = f"{NAME}: {payload.name} item {index}"
    title = html.unescape((item.findtext("title") or "").strip())
    link = (item.findtext("link") or item.findtext("guid") or "").strip()
    stamp = (item.findtext("pubDate") or "").strip()
    if not title or not link or not stamp:
        raise SourceError(f"{where} lacks a title, link or pubDate")
    try:
        published = parsedate_to_datetime(stamp)
    except (TypeError, ValueError, IndexError):
        raise SourceError(f"{where} has an unreadable pubDate {stamp!r}") from None
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    published = published.astimezone(UTC)
    markup = item.findtext(CONTENT_NS) or item.findtext("description") or ""
    body = html_to_text(markup)
    kind = _doc_type(item, link, categories)
    signed = _signed_on(body)
    if signed is None and kind in SIGNED_TYPES:
        signed = published.astimezone(NEW_YORK).date()
    path = urlsplit(link).path.strip("/") or link
    return {
        "doc_id": f"{NAME}:{path}",
        "feed": NAME,
        "document_number": None,
        "eo_number": None,
        "title": title,
        "doc_type": kind,
        "signed_on": signed,
        "published_on": published.astimezone(NEW_YORK).date(),
        "url": link,
        "body_text": body or None,
        "available_at": published,
        "ingested_at": payload.fetched_at,
    }


def _doc_type(item: ET.Element, link: str, categories: dict[str, str]) -> str:
    for category in item.findall("category"):
        kind = categories.get(html.unescape((category.text or "").strip()).lower())
        if kind:
            return kind
    parts = urlsplit(link).path.strip("/").split("/")
    return _FOLDER_TYPES.get(parts[0], "presidential_action") if parts and parts[0] else "presidential_action"


def _signed_on(body: str) -> date | None:
    match = _SIGNATURE.search(body)
    if match is None:
        return None
    return datetime.strptime(" ".join(match.group(1).split()), "%B %d, %Y").date()


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text of an HTML fragment: tags dropped, paragraphs on their own lines."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).splitlines())
    return "\n".join(line for line in lines if line)


SOURCE = WhiteHouseActions()
