"""Helpers every feed parser shares: decoding a payload and building a canonical table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from regime_radar import catalog
from regime_radar.sources.base import Payload, SourceError


def to_table(dataset: str, rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Rows (dicts keyed by column name) as the dataset's canonical table; absent columns are null."""
    schema = catalog.get(dataset).arrow_schema()
    present = [field for field in schema if any(field.name in row for row in rows) or not rows]
    table = pa.Table.from_pylist(list(rows), schema=pa.schema(present))
    return catalog.conform(dataset, table)


def load_json(payload: Payload, source: str) -> Any:
    """Decode a JSON body, refusing HTML pages and malformed documents with a message naming the payload."""
    head = payload.body.lstrip()[:64].lower()
    if head.startswith((b"<!doctype", b"<html", b"<")):
        raise SourceError(f"{source}: {payload.name} ({payload.url}) is an HTML/XML page, expected JSON")
    if not head:
        raise SourceError(f"{source}: {payload.name} ({payload.url}) is empty, expected JSON")
    try:
        return json.loads(payload.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"{source}: {payload.name} ({payload.url}) is not valid JSON: {exc}") from None
