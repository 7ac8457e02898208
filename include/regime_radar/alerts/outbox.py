"""The outbox in the warehouse: every alert once, pending until the SMTP server has accepted it.

Layout under the warehouse root:

    _alerts/outbox/<safe alert id>.json          the alert and its delivery status
    _alerts/outbox/<safe alert id>/<cid>.png     its inline images

The record is written after its images, so a record on disk always has its images. An alert id is
enqueued at most once; a retried task or a re-run window finds the record and adds nothing.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from regime_radar.alerts.model import Alert

if TYPE_CHECKING:
    from regime_radar.warehouse import Warehouse

OUTBOX_DIR = "_alerts/outbox"
PENDING = "pending"
SENT = "sent"


def safe_name(text: str) -> str:
    """A file name for an id: readable characters kept, the rest folded, plus a hash so names never collide."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:120]
    return f"{readable}-{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Outbox:
    """Alerts waiting to be sent and alerts already sent, recorded in the warehouse."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def _record_path(self, alert_id: str) -> str:
        return posixpath.join(OUTBOX_DIR, safe_name(alert_id) + ".json")

    def _image_path(self, alert_id: str, cid: str) -> str:
        return posixpath.join(OUTBOX_DIR, safe_name(alert_id), safe_name(cid) + ".png")

    def record(self, alert_id: str) -> dict[str, Any] | None:
        """The stored record of an alert (status, attempts, last_error, sent_at, ...) or None if never enqueued."""
        path = self._record_path(alert_id)
        return self.warehouse.read_json(path) if self.warehouse.exists(path) else None

    def records(self) -> list[dict[str, Any]]:
        """Every record in the outbox, oldest first."""
        prefix = OUTBOX_DIR + "/"
        paths = [
            p for p in self.warehouse.list(OUTBOX_DIR) if p.endswith(".json") and "/" not in p.removeprefix(prefix)
        ]
        records = [self.warehouse.read_json(p) for p in paths]
        return sorted(records, key=lambda r: (r["created_at"], r["alert_id"]))

    def enqueue(self, alert: Alert) -> bool:
        """Record a new alert as pending; False (and nothing written) if its id is already pending or sent."""
        if self.record(alert.alert_id) is not None:
            return False
        images = {}
        for cid, png in alert.images.items():
            path = self._image_path(alert.alert_id, cid)
            self.warehouse.write_bytes(path, png)
            images[cid] = path
        self.warehouse.write_json(
            self._record_path(alert.alert_id),
            {
                "alert_id": alert.alert_id,
                "kind": alert.kind,
                "subject": alert.subject,
                "text": alert.text,
                "html": alert.html,
                "images": images,
                "created_at": alert.created_at.isoformat(),
                "meta": alert.meta,
                "status": PENDING,
                "attempts": 0,
                "last_error": None,
                "enqueued_at": _now(),
                "sent_at": None,
            },
        )
        return True

    def _alert(self, record: dict[str, Any]) -> Alert:
        return Alert(
            alert_id=record["alert_id"],
            kind=record["kind"],
            subject=record["subject"],
            text=record["text"],
            html=record["html"],
            images={cid: self.warehouse.read_bytes(path) for cid, path in record["images"].items()},
            created_at=datetime.fromisoformat(record["created_at"]),
            meta=record["meta"],
        )

    def pending(self) -> list[Alert]:
        """The alerts not yet accepted by an SMTP server, oldest first."""
        return [self._alert(r) for r in self.records() if r["status"] == PENDING]

    def sent_ids(self) -> list[str]:
        """The ids of every alert an SMTP server has accepted."""
        return [r["alert_id"] for r in self.records() if r["status"] == SENT]

    def _load(self, alert_id: str) -> dict[str, Any]:
        record = self.record(alert_id)
        if record is None:
            raise KeyError(f"alert {alert_id!r} is not in the outbox")
        return record

    def mark_sent(self, alert_id: str, refused: dict[str, str] | None = None) -> None:
        """Record that the SMTP server accepted the alert (`refused`: recipients it turned down, if any)."""
        record = self._load(alert_id)
        record.update(
            status=SENT,
            attempts=int(record["attempts"]) + 1,
            sent_at=_now(),
            refused_recipients=refused or {},
        )
        self.warehouse.write_json(self._record_path(alert_id), record)

    def mark_failed(self, alert_id: str, error: str) -> None:
        """Record a failed delivery attempt; the alert stays pending for the next run."""
        record = self._load(alert_id)
        record.update(attempts=int(record["attempts"]) + 1, last_error=error, last_attempt_at=_now())
        self.warehouse.write_json(self._record_path(alert_id), record)
