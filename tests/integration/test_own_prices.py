"""Bring your own prices: a user's price history loaded with `regime-radar load`, a universe and rules
edited in a config folder (REGIME_RADAR_CONFIG_DIR), the risk DAG re-run — sensible flags, no code change."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import yaml

from regime_radar import airflow_local, cli
from regime_radar.alerts.catcher import MailCatcher
from regime_radar.config import CONFIG_DIR, local_smtp_connection
from regime_radar.sources.market_calendar import nyse_trading_days
from regime_radar.warehouse import Warehouse

pytestmark = pytest.mark.integration

CRASH = date(2019, 8, 5)  # a Monday: the user's semiconductor names fall 14%, their market 3%
SECTOR, MARKET = ["CHIPA", "CHIPB", "CHIPC"], "MKT"


def write_prices(path: Path) -> None:
    """Two years of daily bars: quiet random walks, one sector-specific crash."""
    rng = np.random.default_rng(7)
    days = nyse_trading_days(date(2018, 1, 2), date(2019, 12, 31))
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["symbol", "date", "open", "high", "low", "close", "adj_close", "volume"])
        for symbol in [*SECTOR, MARKET]:
            price = 100.0
            for day in days:
                move = rng.normal(0.0004, 0.012 if symbol in SECTOR else 0.008)
                if day == CRASH:
                    move = -0.14 if symbol in SECTOR else -0.03
                price *= 1 + move
                out.writerow([symbol, day, price, price * 1.01, price * 0.99, price, price, 1_000_000])


def edited_config(folder: Path) -> Path:
    """The user's edits: their basket and market in universe.yaml, their headline symbols in rules.yaml."""
    folder.mkdir()
    universe = yaml.safe_load((CONFIG_DIR / "universe.yaml").read_text())
    universe["baskets"]["ai_hardware"]["symbols"] = SECTOR
    universe["baskets"]["broad_market"]["symbols"] = [MARKET]
    (folder / "universe.yaml").write_text(yaml.safe_dump(universe))
    rules = yaml.safe_load((CONFIG_DIR / "rules.yaml").read_text())
    rules["ai_capex_shock"]["broad"] = [MARKET]
    rules["ai_capex_shock"]["headline"] = SECTOR[:2]
    rules["backtest"]["market"] = [MARKET]
    (folder / "rules.yaml").write_text(yaml.safe_dump(rules))
    alerts = yaml.safe_load((CONFIG_DIR / "alerts.yaml").read_text())
    alerts["chart"]["market"] = [MARKET]
    (folder / "alerts.yaml").write_text(yaml.safe_dump(alerts))
    return folder


def test_a_users_own_history_gives_sensible_flags_without_code_changes(
    migrated_airflow: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = (tmp_path / "warehouse").as_uri()
    monkeypatch.setenv("REGIME_RADAR_WAREHOUSE", url)
    monkeypatch.setenv("REGIME_RADAR_CONFIG_DIR", str(edited_config(tmp_path / "config")))
    prices = tmp_path / "my_prices.csv"
    write_prices(prices)

    assert cli.main(["load", "prices_daily", str(prices)]) == 0
    with MailCatcher(tmp_path / "mail") as catcher:
        monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_SMTP", local_smtp_connection(catcher.port))
        outcomes = airflow_local.run_dags([("risk", {"start": "2019-06-03", "end": "2019-09-30"})], lambda _: None)
    assert [(o.dag_id, o.state) for o in outcomes] == [("risk", "success")]

    flags = Warehouse(url).read("risk_flags").to_pandas()
    shock = flags[flags["flag"] == "ai_capex_shock"].set_index("date")
    assert shock.loc[CRASH, "level"] == "red"
    assert (shock.drop(CRASH)["level"] != "red").all(), "a quiet day was flagged red"
    assert '"CHIPA_ret": -0.14' in shock.loc[CRASH, "drivers"]
    assert len(set(flags["date"])) == len(nyse_trading_days(date(2019, 6, 3), date(2019, 9, 30)))
