"""When a batch is bad the DAG run fails loudly: the batch is quarantined, the raw payload kept, and two
e-mails arrive — the data-quality alert and the task-failure notice from the SmtpNotifier callback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from regime_radar import airflow_local
from regime_radar.alerts import Outbox
from regime_radar.alerts.catcher import MailCatcher
from regime_radar.config import DEMO_REPLAY_DIR, local_smtp_connection
from regime_radar.warehouse import Warehouse
from tests.support.smtp import free_port, read_messages

pytestmark = pytest.mark.integration


def test_a_corrupt_feed_fails_the_run_quarantines_the_batch_and_tells_someone(
    migrated_airflow: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay = tmp_path / "replay"
    shutil.copytree(DEMO_REPLAY_DIR / "yahoo_chart", replay / "yahoo_chart")
    chart = json.loads((replay / "yahoo_chart" / "NVDA.json").read_text())
    quote = chart["chart"]["result"][0]["indicators"]["quote"][0]
    quote["close"][-1] = -quote["close"][-1]  # a negative close on the last day
    (replay / "yahoo_chart" / "NVDA.json").write_text(json.dumps(chart))

    url = (tmp_path / "warehouse").as_uri()
    monkeypatch.setenv("REGIME_RADAR_WAREHOUSE", url)
    monkeypatch.setenv("REGIME_RADAR_REPLAY_DIR", str(replay))
    with MailCatcher(tmp_path / "mail") as catcher:
        monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_SMTP", local_smtp_connection(catcher.port))
        outcomes = airflow_local.run_dags(
            [("ingest_yahoo_chart", {"start": "2025-02-01", "end": "2025-02-28"})], lambda _: None
        )
    assert [(o.dag_id, o.state) for o in outcomes] == [("ingest_yahoo_chart", "failed")]

    warehouse = Warehouse(url)
    assert warehouse.partition_files("prices_daily") == [], "a bad batch reached silver"
    quarantined = warehouse.list("quarantine/prices_daily")
    assert any(p.endswith("validation.json") for p in quarantined)
    assert any(p.endswith("NVDA.json") for p in warehouse.list("raw/yahoo_chart")), "the raw payload was lost"

    subjects = [str(m["Subject"]) for m in read_messages(tmp_path / "mail")]
    quality = [s for s in subjects if "prices_daily" in s and "2025-02-01..2025-02-28" in s]
    failure = [s for s in subjects if s.startswith("[regime-radar] task failed: ingest_yahoo_chart.ingest")]
    assert quality, subjects
    assert failure, subjects


def test_alerts_survive_an_smtp_outage_and_the_next_run_delivers_them_once(
    migrated_airflow: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = (tmp_path / "warehouse").as_uri()
    monkeypatch.setenv("REGIME_RADAR_WAREHOUSE", url)
    port = free_port()  # nothing listens here yet: the mail server is down
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_SMTP", local_smtp_connection(port))
    ingest = ("ingest_yahoo_chart", {"start": "2024-08-01", "end": "2025-01-31"})
    risk = ("risk", {"start": "2025-01-21", "end": "2025-01-31"})

    outcomes = airflow_local.run_dags([ingest, risk], lambda _: None)
    assert [(o.dag_id, o.state) for o in outcomes] == [("ingest_yahoo_chart", "success"), ("risk", "failed")]
    outbox = Outbox(Warehouse(url))
    pending = outbox.pending()
    assert any(a.alert_id.startswith("flag_change:") and ":red:2025-01-27" in a.alert_id for a in pending)
    assert not outbox.sent_ids()

    with MailCatcher(tmp_path / "mail", port=port):
        for _ in range(2):  # the next run delivers; the one after it has nothing left to send
            outcomes = airflow_local.run_dags([risk], lambda _: None)
            assert [(o.dag_id, o.state) for o in outcomes] == [("risk", "success")]
    subjects = [str(m["Subject"]) for m in read_messages(tmp_path / "mail")]
    shock = [s for s in subjects if s.startswith("[RED] AI-capex shock 2025-01-27")]
    assert len(shock) == 1, subjects
    assert len(subjects) == len({a.alert_id for a in pending}), "an alert was lost or sent twice"
    assert outbox.pending() == []
