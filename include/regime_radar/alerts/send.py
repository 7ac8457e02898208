"""Deliver the outbox over the Airflow smtp connection: each pending alert once, marked sent only when accepted."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from regime_radar.config import CONNECTION_IDS, Settings, connection_extra, load_yaml

if TYPE_CHECKING:
    from regime_radar.alerts.model import Alert
    from regime_radar.alerts.outbox import Outbox

log = logging.getLogger(__name__)

# Connection extra keys whose values are credentials and must never reach a log or a record.
_SECRET_EXTRA_KEYS = ("access_token", "client_secret", "password")


class AlertDeliveryError(RuntimeError):
    """Some alerts could not be handed to the SMTP server; they stay pending for the next attempt."""

    def __init__(self, message: str, report: DeliveryReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class DeliveryReport:
    """What one delivery attempt did."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # alert_id -> error (credentials removed)
    recipients: tuple[str, ...] = ()
    refused: dict[str, dict[str, str]] = field(default_factory=dict)  # alert_id -> {address: server reply}

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "recipients": list(self.recipients), "refused": self.refused}


def _split_addresses(text: str) -> tuple[str, ...]:
    return tuple(a for a in (part.strip() for part in re.split(r"[,;]", text)) if a)


def resolve_recipients(settings: Settings) -> tuple[str, ...]:
    """Recipients: the Airflow Variable when set, else Settings (REGIME_RADAR_ALERT_TO), else alerts.yaml."""
    from airflow.sdk import Variable

    cfg = load_yaml("alerts.yaml")
    configured = Variable.get(cfg["recipients_variable"], default=None)
    if configured and _split_addresses(str(configured)):
        return _split_addresses(str(configured))
    if settings.alert_recipients:
        return tuple(settings.alert_recipients)
    return tuple(cfg["recipients_default"])


def message_id(alert_id: str, sender: str) -> str:
    """A Message-ID derived from the alert id, so a copy delivered twice is recognisably the same e-mail."""
    domain = sender.rpartition("@")[2] or "regime-radar.invalid"
    return f"<{hashlib.sha256(alert_id.encode()).hexdigest()[:32]}.regime-radar@{domain}>"


def build_message(alert: Alert, sender: str, recipients: tuple[str, ...]) -> EmailMessage:
    """The MIME e-mail for an alert: text and HTML alternatives, the HTML's images inline by Content-ID.

    Structure: multipart/alternative[text/plain, multipart/related[text/html, image/png...]], so a
    plain-text reader sees no attachments and an HTML reader sees the chart in place.
    """
    from email.utils import formatdate

    msg = EmailMessage()
    msg["Subject"] = alert.subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id(alert.alert_id, sender)
    msg["X-Regime-Radar-Alert-Id"] = alert.alert_id
    msg["X-Regime-Radar-Alert-Kind"] = alert.kind
    # Quoted-printable keeps the message 7-bit clean for relays without 8BITMIME.
    msg.set_content(alert.text, cte="quoted-printable")
    msg.add_alternative(alert.html, subtype="html", cte="quoted-printable")
    html_part = msg.get_payload()[1]
    for cid, png in alert.images.items():
        html_part.add_related(
            png, "image", "png", cid=f"<{cid}>", disposition="inline", filename=f"{cid.split('@')[0]}.png"
        )
    return msg


def _secrets(conn_id: str) -> list[str]:
    conn = connection_extra(conn_id) or {}
    extra = conn.get("extra") or {}
    values = [conn.get("password")] + [extra.get(k) for k in _SECRET_EXTRA_KEYS]
    return [str(v) for v in values if v]


def _describe(exc: BaseException, secrets: list[str]) -> str:
    text = f"{type(exc).__name__}: {exc}"
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def deliver_pending(outbox: Outbox, settings: Settings, conn_id: str = CONNECTION_IDS["smtp"]) -> DeliveryReport:
    """Send every pending alert through the smtp connection; raise AlertDeliveryError after recording failures.

    An alert is marked sent only after the server accepted it; one that fails stays pending with its
    attempt count and error, so the task fails, Airflow retries, and the next call delivers it.
    """
    alerts = outbox.pending()
    report = DeliveryReport()
    if not alerts:
        return report
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    report.recipients = resolve_recipients(settings)
    secrets = _secrets(conn_id)
    remaining = {a.alert_id: a for a in alerts}
    hook = SmtpHook(smtp_conn_id=conn_id)
    try:
        with hook:
            sender = hook.from_email or settings.alert_sender
            # SmtpHook.send_email_smtp builds its own single-part HTML message; the logged-in client it
            # holds is the way to send our multipart one through the same connection settings.
            client = hook._smtp_client
            for alert in alerts:
                try:
                    message = build_message(alert, sender, report.recipients)
                    data = message.as_bytes(policy=policy.SMTP)  # CRLF line ends, as SMTP requires
                    refused = client.sendmail(sender, list(report.recipients), data)
                except Exception as exc:
                    error = _describe(exc, secrets)
                    outbox.mark_failed(alert.alert_id, error)
                    report.failed[alert.alert_id] = error
                    log.warning("alert %s not delivered: %s", alert.alert_id, error)
                else:
                    refused_text = {
                        addr: f"{code} {reply.decode(errors='replace')}" for addr, (code, reply) in refused.items()
                    }
                    outbox.mark_sent(alert.alert_id, refused=refused_text)
                    report.sent.append(alert.alert_id)
                    if refused_text:
                        report.refused[alert.alert_id] = refused_text
                    log.info("alert %s sent to %d recipient(s)", alert.alert_id, len(report.recipients))
                remaining.pop(alert.alert_id)
            client.quit()
    except Exception as exc:
        # The server could not be reached (or dropped us): whatever was not attempted stays pending.
        if hook._smtp_client is not None:  # connected, then failed to log in: __exit__ never ran
            hook._smtp_client.close()
        error = _describe(exc, secrets)
        for pending_id in remaining:
            outbox.mark_failed(pending_id, error)
            report.failed[pending_id] = error
        if not remaining:
            log.warning("SMTP session ended badly after every alert was handled: %s", error)
        else:
            log.warning("SMTP connection %s failed: %s", conn_id, error)
    if report.failed:
        raise AlertDeliveryError(
            f"{len(report.failed)} of {len(alerts)} alert(s) not delivered through connection {conn_id!r} "
            f"(kept pending for the next attempt): " + "; ".join(f"{k}: {v}" for k, v in report.failed.items()),
            report,
        )
    log.info("delivered %d alert(s) to %s", len(report.sent), ", ".join(report.recipients))
    return report
