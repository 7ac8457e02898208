"""Alert e-mails: detect level changes, render digests, keep an outbox and send it over SMTP.

The names below are cheap to import (render and chart load pandas and matplotlib, send loads
Airflow, each only when called), so a DAG file may import this package at parse time.
"""

from regime_radar.alerts.model import Alert
from regime_radar.alerts.notify import notify_quality, queue_flag_changes, queue_pause_expiries
from regime_radar.alerts.outbox import Outbox
from regime_radar.alerts.send import AlertDeliveryError, DeliveryReport, deliver_pending

__all__ = [
    "Alert",
    "AlertDeliveryError",
    "DeliveryReport",
    "Outbox",
    "deliver_pending",
    "notify_quality",
    "queue_flag_changes",
    "queue_pause_expiries",
]
