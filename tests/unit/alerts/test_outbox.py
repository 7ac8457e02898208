from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regime_radar.alerts.model import Alert, alert_id
from regime_radar.alerts.outbox import OUTBOX_DIR, Outbox, safe_name
from regime_radar.warehouse import Warehouse

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _alert(ident: str, minutes: int = 0, images: dict[str, bytes] | None = None) -> Alert:
    return Alert(
        alert_id=ident,
        kind=ident.split(":")[0],
        subject=f"subject of {ident}",
        text="text −17.0%",
        html="<p>html</p>",
        images=images or {},
        created_at=datetime(2025, 1, 27, 22, tzinfo=UTC) + timedelta(minutes=minutes),
        meta={"date": "2025-01-27", "flags": [{"flag": "ai_capex_shock", "score": 0.93}]},
    )


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(Warehouse(str(tmp_path / "wh")))


def test_alert_id_is_kind_flag_level_date() -> None:
    from datetime import date

    assert alert_id("flag_change", "ai_capex_shock", "red", date(2025, 1, 27)) == (
        "flag_change:ai_capex_shock:red:2025-01-27"
    )
    with pytest.raises(ValueError, match="unknown alert kind"):
        alert_id("newsletter", "x", "red", "2025-01-27")


def test_enqueued_alert_round_trips_with_its_images(outbox: Outbox) -> None:
    alert = _alert("flag_change:ai_capex_shock:red:2025-01-27", images={"chart@regime-radar": PNG})
    assert outbox.enqueue(alert) is True
    (pending,) = outbox.pending()
    assert pending == alert
    record = outbox.record(alert.alert_id)
    assert record is not None
    assert (record["status"], record["attempts"], record["last_error"], record["sent_at"]) == ("pending", 0, None, None)
    files = outbox.warehouse.list(OUTBOX_DIR)
    assert files == sorted(
        [
            f"{OUTBOX_DIR}/{safe_name(alert.alert_id)}.json",
            f"{OUTBOX_DIR}/{safe_name(alert.alert_id)}/{safe_name('chart@regime-radar')}.png",
        ]
    )


def test_an_alert_is_enqueued_once_whether_pending_or_sent(outbox: Outbox) -> None:
    first = _alert("flag_change:ai_capex_shock:red:2025-01-27")
    assert outbox.enqueue(first)
    path = f"{OUTBOX_DIR}/{safe_name(first.alert_id)}.json"
    before = outbox.warehouse.read_bytes(path)
    rerun = _alert(first.alert_id, minutes=30)  # the same alert rendered again by a re-run window
    rerun.subject = "rendered again"
    assert outbox.enqueue(rerun) is False
    assert outbox.warehouse.read_bytes(path) == before

    outbox.mark_sent(first.alert_id)
    assert outbox.enqueue(rerun) is False
    assert outbox.pending() == []
    assert outbox.sent_ids() == [first.alert_id]


def test_failed_attempts_are_counted_and_keep_the_alert_pending(outbox: Outbox) -> None:
    a, b = _alert("flag_change:a:red:2025-01-27"), _alert("data_quality:prices_daily:critical:w", minutes=1)
    assert outbox.enqueue(b) and outbox.enqueue(a)
    outbox.mark_failed(a.alert_id, "ConnectionRefusedError: [Errno 111] Connection refused")
    outbox.mark_failed(a.alert_id, "ConnectionRefusedError: [Errno 111] Connection refused")
    assert [p.alert_id for p in outbox.pending()] == [a.alert_id, b.alert_id]  # oldest first
    record = outbox.record(a.alert_id)
    assert record is not None
    assert (record["status"], record["attempts"]) == ("pending", 2)
    assert "Connection refused" in record["last_error"]

    outbox.mark_sent(a.alert_id)
    record = outbox.record(a.alert_id)
    assert record is not None
    assert (record["status"], record["attempts"]) == ("sent", 3)
    assert record["sent_at"] is not None
    assert [p.alert_id for p in outbox.pending()] == [b.alert_id]
    with pytest.raises(KeyError):
        outbox.mark_sent("flag_change:never:red:2025-01-01")


def test_safe_names_are_file_friendly_and_never_collide() -> None:
    names = {safe_name("flag_change:a:b:c"), safe_name("flag_change_a_b_c"), safe_name("flag_change/a/b/c")}
    assert len(names) == 3
    assert all("/" not in n and ":" not in n for n in names)
