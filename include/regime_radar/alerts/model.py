"""The Alert record shared by rendering, the outbox and delivery."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

KINDS = ("flag_change", "data_quality", "pause_expiry")


def alert_id(kind: str, flag: str, level: str, day: date | str) -> str:
    """The identity of an alert: the same facts always give the same id, so they are sent once."""
    if kind not in KINDS:
        raise ValueError(f"unknown alert kind {kind!r}; known: {', '.join(KINDS)}")
    day_text = day.isoformat() if isinstance(day, date) else str(day)
    return f"{kind}:{flag}:{level}:{day_text}"


@dataclass
class Alert:
    """One e-mail ready to send: subject, plain-text and HTML bodies, inline images by Content-ID."""

    alert_id: str
    kind: str
    subject: str
    text: str
    html: str
    images: dict[str, bytes] = field(default_factory=dict)  # cid (without <>) -> PNG bytes
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    meta: dict[str, Any] = field(default_factory=dict)
