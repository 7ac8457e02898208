"""Alerts delivered through the Airflow smtp connection to a real aiosmtpd server on loopback."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from regime_radar.alerts import render
from regime_radar.alerts.catcher import MailCatcher
from regime_radar.alerts.model import Alert
from regime_radar.alerts.outbox import Outbox
from regime_radar.alerts.send import AlertDeliveryError, deliver_pending
from regime_radar.config import Settings, load_settings
from regime_radar.warehouse import Warehouse
from tests.support import smtp as smtp_support
from tests.support.smtp import SMTP_ENV, free_port, read_messages, smtp_conn_json

smtp_server = smtp_support.smtp_server  # the shared fixture, registered in this module

pytestmark = pytest.mark.integration

SHOCK_DAY = date(2025, 1, 27)
RECIPIENTS = ("risk-desk@example.com", "cio@example.com")


@pytest.fixture(autouse=True)
def _no_recipient_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_VAR_REGIME_RADAR_ALERT_TO", raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        warehouse_url=str(tmp_path / "wh"), alert_recipients=RECIPIENTS, ui_base_url="http://airflow.test:8080"
    )


@pytest.fixture
def outbox(settings: Settings) -> Outbox:
    return Outbox(Warehouse.from_settings(settings))


def _prices() -> pd.DataFrame:
    days = pd.bdate_range(end=SHOCK_DAY, periods=70)
    paths = {"NVDA": 83.0, "AVGO": 82.6, "SMH": 90.2, "QQQ": 97.1, "SPY": 98.5}
    return pd.DataFrame(
        [
            {"symbol": s, "date": d.date(), "close": v, "adj_close": v}
            for s, last in paths.items()
            for d, v in zip(days, [100.0] * 69 + [last], strict=True)
        ]
    )


def _digest(settings: Settings, title: str = "DeepSeek-R1 release") -> Alert:
    changes = pd.DataFrame(
        [
            {
                "date": SHOCK_DAY,
                "regime": "ai_capex",
                "flag": "ai_capex_shock",
                "level": "red",
                "previous_level": "green",
                "score": 0.93,
                "drivers": json.dumps({"NVDA_ret": -0.17, "SMH_ret": -0.098, "QQQ_ret": -0.029}),
                "evidence": json.dumps([{"label": title, "url": "https://api-docs.deepseek.com/news/news250120"}]),
            },
            {
                "date": SHOCK_DAY,
                "regime": "composite",
                "flag": "composite",
                "level": "amber",
                "previous_level": "green",
                "score": 0.6,
                "drivers": "{}",
                "evidence": "[]",
            },
        ]
    )
    return render.flag_digest(changes, _prices(), settings)


def _image_parts(message: EmailMessage) -> list[EmailMessage]:
    return [p for p in message.walk() if p.get_content_type() == "image/png"]


def test_digest_arrives_as_valid_mime_with_the_chart_inline(
    smtp_server: tuple[int, Path], settings: Settings, outbox: Outbox
) -> None:
    _, mail_dir = smtp_server
    alert = _digest(settings, title="<script>alert('pwned')</script> DeepSeek")
    assert outbox.enqueue(alert)

    report = deliver_pending(outbox, settings)

    assert report.sent == [alert.alert_id] and report.ok
    (message,) = read_messages(mail_dir)
    assert message["Subject"] == "[RED] AI-capex shock 2025-01-27: NVDA −17.0%, SMH −9.8% vs QQQ −2.9% (+1 more)"
    assert message["From"] == "regime-radar@example.com"
    assert [a.strip() for a in message["To"].split(",")] == list(RECIPIENTS)
    assert message["X-Envelope-To"] == ", ".join(RECIPIENTS)
    assert message["X-Regime-Radar-Alert-Id"] == alert.alert_id
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert "green → RED" in text.get_content()
    html_text = html.get_content()
    assert "AI-capex shock" in html_text and "−17.0%" in html_text
    # The document title arrives escaped: visible as text, never as markup.
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt; DeepSeek" in html_text
    assert "<script" not in html_text.lower()
    (image,) = _image_parts(message)
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html_text
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == next(iter(alert.images.values()))
    assert image.get_content().startswith(b"\x89PNG\r\n\x1a\n")
    # The image is related to the HTML it belongs to, not loose beside the plain text.
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    assert [p.get_content_type() for p in related.iter_parts()] == ["text/html", "image/png"]


def test_recipients_come_from_the_airflow_variable_when_it_is_set(
    smtp_server: tuple[int, Path], settings: Settings, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, mail_dir = smtp_server
    monkeypatch.setenv("AIRFLOW_VAR_REGIME_RADAR_ALERT_TO", "ops@example.com; desk@example.com")
    outbox.enqueue(_digest(settings))
    report = deliver_pending(outbox, settings)
    assert report.recipients == ("ops@example.com", "desk@example.com")
    (message,) = read_messages(mail_dir)
    assert message["X-Envelope-To"] == "ops@example.com, desk@example.com"


def test_all_alert_kinds_go_out_in_one_session_and_a_rerun_sends_nothing_new(
    smtp_server: tuple[int, Path], settings: Settings, outbox: Outbox
) -> None:
    _, mail_dir = smtp_server
    quality = render.quality_alert(
        "prices_daily",
        "2025-01-01..2025-01-31",
        [{"expectation": "expect_column_values_to_not_be_null", "column": "close", "severity": "critical",
          "unexpected_count": 2}],
        "http://docs.test/prices_daily.html",
        settings,
    )  # fmt: skip
    reminder = render.pause_expiry("CA", "all", date(2025, 3, 4), 25.0, "2025-02406", date(2025, 2, 26), settings)
    alerts = [_digest(settings), quality, reminder]
    assert [outbox.enqueue(a) for a in alerts] == [True, True, True]

    first = deliver_pending(outbox, settings)
    assert sorted(first.sent) == sorted(a.alert_id for a in alerts)
    subjects = sorted(m["Subject"] for m in read_messages(mail_dir))
    assert subjects == sorted(a.subject for a in alerts)

    # A retried task or a re-run window renders the same alerts again: nothing new is sent.
    assert [outbox.enqueue(a) for a in [_digest(settings), quality, reminder]] == [False, False, False]
    second = deliver_pending(outbox, settings)
    assert second.sent == [] and second.failed == {}
    assert len(read_messages(mail_dir)) == 3
    assert sorted(outbox.sent_ids()) == sorted(a.alert_id for a in alerts)


def test_smtp_down_keeps_the_alert_and_the_next_call_delivers_it_exactly_once(
    tmp_path: Path, settings: Settings, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens here yet
    monkeypatch.setenv(SMTP_ENV, smtp_conn_json(port))
    alert = _digest(settings)
    outbox.enqueue(alert)

    with pytest.raises(AlertDeliveryError, match="kept pending") as failure:
        deliver_pending(outbox, settings)
    assert failure.value.report.sent == []
    record = outbox.record(alert.alert_id)
    assert record is not None
    assert (record["status"], record["attempts"]) == ("pending", 1)
    assert "Connection refused" in record["last_error"] or "ConnectionRefused" in record["last_error"]
    assert [a.alert_id for a in outbox.pending()] == [alert.alert_id]

    mail_dir = tmp_path / "mail"
    with MailCatcher(mail_dir, port=port):
        report = deliver_pending(outbox, settings)
        again = deliver_pending(outbox, settings)
    assert report.sent == [alert.alert_id] and again.sent == []
    assert [m["X-Regime-Radar-Alert-Id"] for m in read_messages(mail_dir)] == [alert.alert_id]
    record = outbox.record(alert.alert_id)
    assert record is not None
    assert (record["status"], record["attempts"]) == ("sent", 2)


class _Rejecting:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "554 5.7.1 Message rejected by policy"


class _Counting:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        return "250 OK"


def test_a_message_the_server_refuses_is_not_marked_sent(
    settings: Settings, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    controller = Controller(_Rejecting(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv(SMTP_ENV, smtp_conn_json(port))
        alert = _digest(settings)
        outbox.enqueue(alert)
        with pytest.raises(AlertDeliveryError):
            deliver_pending(outbox, settings)
    finally:
        controller.stop()
    record = outbox.record(alert.alert_id)
    assert record is not None
    assert record["status"] == "pending" and "554" in record["last_error"]


class _RefusingOneRecipient(_Counting):
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address == "cio@example.com":
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_an_alert_accepted_for_some_recipients_is_sent_and_the_refusals_are_recorded(
    settings: Settings, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    handler = _RefusingOneRecipient()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv(SMTP_ENV, smtp_conn_json(port))
        alert = _digest(settings)
        outbox.enqueue(alert)
        report = deliver_pending(outbox, settings)
    finally:
        controller.stop()
    assert handler.received == 1 and report.sent == [alert.alert_id]
    assert list(report.refused[alert.alert_id]) == ["cio@example.com"]
    record = outbox.record(alert.alert_id)
    assert record is not None
    assert record["status"] == "sent" and "550" in record["refused_recipients"]["cio@example.com"]


def test_a_failed_login_is_reported_without_the_password(
    settings: Settings, outbox: Outbox, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    password = "s3cr3t-Pa55-word"
    port = free_port()
    handler = _Counting()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=lambda *args: AuthResult(success=False, handled=False),
        auth_require_tls=False,
    )
    controller.start()
    try:
        conn = json.loads(smtp_conn_json(port))
        conn.update(login="alerts", password=password)
        monkeypatch.setenv(SMTP_ENV, json.dumps(conn))
        alert = _digest(settings)
        outbox.enqueue(alert)
        with pytest.raises(AlertDeliveryError) as failure:
            deliver_pending(outbox, settings)
    finally:
        controller.stop()
    assert handler.received == 0
    record = outbox.record(alert.alert_id)
    assert record is not None
    assert record["status"] == "pending" and "Authentication" in record["last_error"]
    captured = capfd.readouterr()
    for where in (str(failure.value), json.dumps(record), captured.out, captured.err):
        assert password not in where


def test_catcher_command_saves_messages_until_sigterm(tmp_path: Path) -> None:
    port = free_port()
    mail_dir = tmp_path / "mail"
    process = subprocess.Popen(
        [sys.executable, "-m", "regime_radar.alerts.catcher", "--dir", str(mail_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"127.0.0.1:{port}" in banner and str(mail_dir) in banner
        message = EmailMessage()
        message["Subject"] = "catcher check"
        message["From"] = "a@example.com"
        message["To"] = "b@example.com"
        message["Message-ID"] = "<catcher-check@example.com>"
        message.set_content("hello")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(message)
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "1 message(s) saved" in out
    (saved,) = mail_dir.glob("*.eml")
    assert saved.name.endswith(".eml") and "-" in saved.stem
    (received,) = read_messages(mail_dir)
    assert received["Subject"] == "catcher check" and received["X-Envelope-From"] == "<a@example.com>"


def test_catcher_on_a_taken_port_fails_at_once_with_oserror(tmp_path: Path) -> None:
    import time

    with MailCatcher(tmp_path / "first") as first:
        started = time.monotonic()
        with pytest.raises(OSError):
            MailCatcher(tmp_path / "second", port=first.port).start()
        assert time.monotonic() - started < 2.0
