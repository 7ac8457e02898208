"""The demo, end to end through Airflow, and the acceptance facts of every issue checked on its warehouse.

The module runs what `make run` runs — every ingest DAG over the demo window plus its warm-up, then
the risk DAG, each through `dag.test()` on a migrated SQLite DB, with a real SMTP server — twice.
The second run must change nothing: same rows, no duplicate keys, no alert sent again.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from regime_radar import airflow_local, cli
from regime_radar.alerts.catcher import MailCatcher
from regime_radar.config import DEMO_END, DEMO_START, local_smtp_connection
from regime_radar.flags import engine
from regime_radar.report import flag_report
from regime_radar.sources.base import Window
from regime_radar.sources.registry import SOURCES
from regime_radar.warehouse import Warehouse
from tests.support.smtp import read_messages

pytestmark = pytest.mark.integration

DEMO = Window.parse(DEMO_START, DEMO_END)
KEYS = {
    "prices_daily": ["symbol", "date"],
    "market_series": ["series_id", "date"],
    "capex_quarterly": ["ticker", "period_end"],
    "macro_observations": ["series_id", "period", "vintage_date"],
    "policy_documents": ["doc_id"],
    "tariff_actions": ["action_id"],
    "tariff_state": ["date", "partner", "scope"],
    "macro_releases": ["release", "period"],
    "risk_flags": ["date", "flag"],
    "regime_state": ["date", "regime"],
}

# Every alert e-mail of the demo window, as (level tag, subject start, day). A digest goes out on a
# day a flag changes level; the reminders go out 7 days before the Canada/Mexico pause ends.
EXPECTED_ALERTS = {
    ("RED", "Trade policy uncertainty", "2024-12-02"),
    ("AMBER", "AI efficiency event", "2024-12-26"),
    ("GREEN", "AI-capex regime", "2025-01-06"),
    ("AMBER", "AI efficiency event", "2025-01-21"),
    ("RED", "AI-capex shock", "2025-01-27"),
    ("GREEN", "AI-capex shock", "2025-01-28"),
    ("GREEN", "AI efficiency event", "2025-01-31"),
    ("RED", "Tariff escalation", "2025-02-03"),
    ("AMBER", "Tariff escalation", "2025-02-04"),
    ("AMBER", "Tariff market confirmation", "2025-02-10"),
    ("GREEN", "Tariff market confirmation", "2025-02-14"),
    ("AMBER", "Tariff escalation", "2025-02-19"),
    ("AMBER", "Tariff pause expiry", "2025-02-25"),
    ("GREEN", "Tariff escalation", "2025-02-26"),
    ("REMINDER", "Canada all_goods tariff pause ends", "2025-03-04"),
    ("REMINDER", "Canada energy tariff pause ends", "2025-03-04"),
    ("REMINDER", "Canada potash tariff pause ends", "2025-03-04"),
    ("REMINDER", "Mexico all_goods tariff pause ends", "2025-03-04"),
}


@dataclass
class Demo:
    warehouse: Warehouse
    mail_dir: Path
    first_counts: dict[str, int]
    second_counts: dict[str, int]
    first_mail: list[str]
    second_mail: list[str]


def _counts(warehouse: Warehouse) -> dict[str, int]:
    return {name: warehouse.read(name).num_rows for name in KEYS}


def _subjects(mail_dir: Path) -> list[str]:
    return sorted(str(m["Subject"]) for m in read_messages(mail_dir))


@pytest.fixture(scope="module")
def demo(migrated_airflow: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("demo")
    url = (root / "warehouse").as_uri()
    with pytest.MonkeyPatch.context() as env, MailCatcher(root / "mail") as catcher:
        env.setenv("REGIME_RADAR_WAREHOUSE", url)
        env.setenv("REGIME_RADAR_MODE", "replay")
        env.setenv("AIRFLOW_CONN_REGIME_RADAR_SMTP", local_smtp_connection(catcher.port))
        plan = cli._run_plan(DEMO, None)
        assert [dag_id for dag_id, _ in plan] == [f"ingest_{n}" for n in SOURCES] + ["risk"]
        warehouse = Warehouse(url)
        runs = []
        for _ in range(2):
            outcomes = airflow_local.run_dags(plan, on_progress=lambda _: None)
            assert [(o.dag_id, o.state) for o in outcomes] == [(d, "success") for d, _ in plan]
            runs.append((_counts(warehouse), _subjects(root / "mail")))
        yield Demo(warehouse, root / "mail", runs[0][0], runs[1][0], runs[0][1], runs[1][1])


def query_json(demo: Demo, sql: str) -> list[dict]:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["query", sql, "--format", "json", "--warehouse", demo.warehouse.url]) == 0
    return json.loads(out.getvalue())


# -- issue 2: the foundation ---------------------------------------------------------------------


def test_a_second_run_leaves_the_same_rows_and_no_duplicate_keys(demo: Demo) -> None:
    assert demo.second_counts == demo.first_counts
    assert all(count > 0 for count in demo.first_counts.values()), demo.first_counts
    for name, key in KEYS.items():
        assert not demo.warehouse.read(name).to_pandas().duplicated(key).any(), f"duplicate keys in {name}"


def test_every_raw_payload_is_archived_with_its_sidecar(demo: Demo) -> None:
    for source in SOURCES:
        files = demo.warehouse.list(f"raw/{source}")
        payloads = [f for f in files if not f.endswith(".meta.json")]
        assert payloads, f"nothing archived for {source}"
        assert {f + ".meta.json" for f in payloads} <= set(files), f"a payload of {source} has no sidecar"


def test_the_flag_report_tells_the_story(demo: Demo) -> None:
    report = flag_report(demo.warehouse, DEMO)
    assert "2025-01-27  ai_capex_shock" in report and "NVDA_ret=-0.1697" in report
    assert "2025-02-03  tariff_escalation" in report


# -- issue 3: prices and capex -------------------------------------------------------------------


def test_nvda_fell_17_percent_and_qqq_3_percent_on_2025_01_27(demo: Demo) -> None:
    rows = query_json(
        demo,
        "select symbol, adj_close / lag(adj_close) over (partition by symbol order by date) - 1 as ret, date "
        "from prices_daily where symbol in ('NVDA', 'QQQ') and date between '2025-01-24' and '2025-01-27' "
        "qualify date = '2025-01-27'",
    )
    returns = {r["symbol"]: r["ret"] for r in rows}
    assert returns["NVDA"] == pytest.approx(-0.17, abs=0.005)
    assert returns["QQQ"] == pytest.approx(-0.03, abs=0.003)


def test_capex_is_quarterly_with_at_least_eight_quarters_per_hyperscaler(demo: Demo) -> None:
    capex = demo.warehouse.read("capex_quarterly").to_pandas()
    for ticker in ("MSFT", "GOOGL", "AMZN", "META"):
        rows = capex[capex["ticker"] == ticker].sort_values("period_end")
        assert len(rows) >= 8, ticker
        days = (pd.to_datetime(rows["period_end"]) - pd.to_datetime(rows["period_start"])).dt.days
        assert days.between(85, 95).all(), f"{ticker} has non-quarterly (year-to-date) periods"


# -- issue 4: macro, point in time ----------------------------------------------------------------


def test_payrolls_as_of_before_and_after_the_release(demo: Demo) -> None:
    sql = "select macro_value_asof('PAYEMS_CHG', DATE '2025-01-01', TIMESTAMPTZ '{ts}') as value"
    assert query_json(demo, sql.format(ts="2025-02-06 23:59:00-05:00")) == [{"value": None}]
    assert query_json(demo, sql.format(ts="2025-02-07 09:00:00-05:00")) == [{"value": pytest.approx(143)}]


def test_adp_december_reads_its_first_print_then_its_revision(demo: Demo) -> None:
    sql = "select macro_value_asof('ADP_CHG', DATE '2024-12-01', TIMESTAMPTZ '{ts}') as value"
    assert query_json(demo, sql.format(ts="2025-01-10 12:00:00-05:00")) == [{"value": pytest.approx(122)}]
    assert query_json(demo, sql.format(ts="2025-02-05 12:00:00-05:00")) == [{"value": pytest.approx(176)}]


def test_macro_releases_show_the_surprises(demo: Demo) -> None:
    rows = {
        (r["release"], r["period"]): r
        for r in query_json(demo, "select * from macro_releases where period = '2025-01-01'")
    }
    adp = rows[("ADP_CHANGE", "2025-01-01")]
    assert (adp["actual"], adp["consensus"], adp["surprise"]) == (183, 150, 33)
    ism = rows[("ISM_MFG_PMI", "2025-01-01")]
    assert ism["actual"] == pytest.approx(50.9) and ism["released_at"].startswith("2025-02-03")


# -- issue 5: tariffs ----------------------------------------------------------------------------


def test_the_february_orders_are_structured_actions(demo: Demo) -> None:
    actions = demo.warehouse.read("tariff_actions").to_pandas()
    imposed = actions[(actions["action"] == "impose") & (actions["scope"] == "all_goods")]
    rates = {r.partner: (r.rate_pct, r.signed_on, r.effective_at.date()) for r in imposed.itertuples()}
    for partner, rate in (("CA", 25.0), ("MX", 25.0), ("CN", 10.0)):
        assert rates[partner] == (rate, date(2025, 2, 1), date(2025, 2, 4)), partner
    pauses = actions[actions["action"] == "pause"]
    assert set(pauses["partner"]) == {"CA", "MX"}
    assert (pauses["signed_on"] == date(2025, 2, 3)).all()
    assert set(pauses["expires_at"].dt.date) == {date(2025, 3, 4)}
    assert set(zip(pauses["partner"], pauses["modifies"], strict=True)) == {("CA", "14193"), ("MX", "14194")}
    orders = actions[actions["eo_number"].isin(["14193", "14194", "14195", "14197", "14198"])]
    signing_day = orders["available_at"].dt.tz_convert("America/New_York").dt.date
    assert (signing_day == orders["signed_on"]).all(), "available_at is not the signing day (White House feed)"


def test_tariff_state_on_2025_02_05(demo: Demo) -> None:
    state = demo.warehouse.read("tariff_state").to_pandas()
    day = state[(state["date"] == date(2025, 2, 5)) & (state["scope"] == "all_goods")].set_index("partner")
    assert day.loc["CA", "status"] == "paused" and day.loc["MX", "status"] == "paused"
    assert day.loc["CN", "status"] == "effective" and day.loc["CN", "rate_pct"] == 10.0


# -- issue 6: quality ----------------------------------------------------------------------------


def test_data_docs_and_every_validation_result_are_in_the_warehouse(demo: Demo) -> None:
    assert demo.warehouse.exists("_quality/data_docs/index.html")
    results = [f for f in demo.warehouse.list("_quality") if f.count("/") == 2 and f.endswith(".json")]
    datasets = {f.split("/")[1] for f in results}
    assert set(KEYS) <= datasets
    for rel in results:
        result = demo.warehouse.read_json(rel)
        assert result["passed"], f"{rel} failed: {result['failures']}"
        page = result["docs_url"].split("/_quality/", 1)[1]
        assert demo.warehouse.exists(f"_quality/{page}")


# -- issue 7: flags ------------------------------------------------------------------------------


def test_the_flags_fire_on_the_days_that_mattered(demo: Demo) -> None:
    flags = demo.warehouse.read("risk_flags").to_pandas()
    level = flags.set_index(["flag", "date"])["level"]
    shock = level["ai_capex_shock"]
    assert shock[date(2025, 1, 27)] == "red"
    assert (shock[[d for d in shock.index if date(2024, 12, 2) <= d <= date(2025, 1, 24)]] != "red").all()
    # The orders were signed (and posted) on Saturday 2025-02-01; the first cutoff after that is
    # Monday 2025-02-03 18:00 New York — Friday's cutoff came before it.
    signed = demo.warehouse.read("tariff_actions").to_pandas()
    posted = signed[signed["eo_number"] == "14193"]["available_at"].min()
    assert (
        engine.cutoff(date(2025, 1, 31), engine.load_rules())
        < posted
        < engine.cutoff(date(2025, 2, 3), engine.load_rules())
    )
    assert level["tariff_escalation"][date(2025, 2, 3)] == "red"
    assert level["tariff_escalation"][date(2025, 1, 31)] != "red"
    fundamentals = level["fundamentals"]
    assert all(fundamentals[d] == "green" for d in fundamentals.index if d >= date(2025, 2, 3))
    hot = flags[flags["level"] != "green"]
    assert not hot.empty
    assert (hot["drivers"].map(json.loads).map(len) > 0).all()
    assert (hot["evidence"].map(json.loads).map(len) > 0).all()


def test_risk_flags_query_returns_the_days_flags_as_json(demo: Demo) -> None:
    rows = query_json(demo, "select * from risk_flags where date = '2025-01-27'")
    assert {r["flag"]: r["level"] for r in rows}["ai_capex_shock"] == "red"


# -- issue 8: alerts -----------------------------------------------------------------------------


def _alert_key(subject: str) -> tuple[str, str, str]:
    tag, rest = subject[1:].split("] ", 1)
    for expected_tag, start, day in EXPECTED_ALERTS:
        if tag == expected_tag and rest.startswith(start) and day in rest:
            return (expected_tag, start, day)
    return (tag, rest, "?")


def test_the_demo_window_sends_exactly_the_expected_alerts_once(demo: Demo) -> None:
    sent = [_alert_key(s) for s in demo.first_mail]
    assert sorted(sent) == sorted(EXPECTED_ALERTS)
    red_shock = next(s for s in demo.first_mail if s.startswith("[RED] AI-capex shock 2025-01-27"))
    assert "NVDA −17.0%" in red_shock and "QQQ −2.9%" in red_shock
    assert demo.second_mail == demo.first_mail, "the second run sent alerts again"
    assert all(os.path.getsize(p) > 0 for p in demo.mail_dir.glob("*.eml"))
