"""The universe is configuration: baskets, companies and series come from universe.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from regime_radar import config, universe


def test_baskets_hold_the_designed_symbols() -> None:
    assert universe.basket("ai_hardware") == (
        "NVDA", "AVGO", "AMD", "TSM", "ASML", "MU", "ARM", "MRVL", "SMH", "SOXX",
    )  # fmt: skip
    assert universe.basket("hyperscalers") == ("MSFT", "GOOGL", "AMZN", "META")
    assert universe.basket("broad_market") == ("QQQ", "SPY", "DIA", "IWM")
    assert len(universe.symbols()) == 18 == len(set(universe.symbols()))
    with pytest.raises(KeyError, match="ai_hardware"):
        universe.basket("no_such_basket")


def test_hyperscalers_carry_cik_and_fiscal_year_end() -> None:
    msft = universe.company("MSFT")
    assert (msft.cik, msft.cik10, msft.fiscal_year_end_month) == (789019, "0000789019", 6)
    assert {c.ticker: c.cik for c in universe.hyperscalers()} == {
        "MSFT": 789019, "GOOGL": 1652044, "AMZN": 1018724, "META": 1326801,
    }  # fmt: skip
    assert universe.company_by_cik(1652044).ticker == "GOOGL"
    assert universe.capex_tags()[0] == "PaymentsToAcquirePropertyPlantAndEquipment"


def test_fred_series_have_availability_rules() -> None:
    ids = [s.series_id for s in universe.fred_series()]
    assert ids == ["SP500", "NASDAQCOM", "NASDAQ100", "VIXCLS", "DGS10", "DEXCAUS", "DEXMXUS", "DTWEXBGS"]
    vix = universe.fred_series_by_id("VIXCLS").available
    assert (vix.lag, vix.hour, vix.minute) == ("same_day", 17, 0)


@pytest.fixture
def edited_universe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the config folder the test may edit, read in place of the package's own."""
    target = tmp_path / "config"
    target.mkdir()
    for file in config.CONFIG_DIR.glob("*.yaml"):
        (target / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("REGIME_RADAR_CONFIG_DIR", str(target))  # the documented override
    yield target / universe.UNIVERSE_FILE


def test_a_user_adds_a_symbol_and_a_basket_by_editing_yaml_only(edited_universe: Path) -> None:
    data = yaml.safe_load(edited_universe.read_text(encoding="utf-8"))
    data["baskets"]["ai_hardware"]["symbols"].append("INTC")
    data["baskets"]["power"] = {"description": "Data-centre power", "symbols": ["VST", "CEG", "NVDA"]}
    edited_universe.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert universe.basket("ai_hardware")[-1] == "INTC"
    assert universe.basket("power") == ("VST", "CEG", "NVDA")
    symbols = universe.symbols()
    assert "INTC" in symbols and symbols[-2:] == ("VST", "CEG")
    assert symbols.count("NVDA") == 1


def test_a_malformed_entry_is_refused_with_its_name(edited_universe: Path) -> None:
    data = yaml.safe_load(edited_universe.read_text(encoding="utf-8"))
    data["fred_series"]["DGS10"]["available"]["lag"] = "whenever"
    data["baskets"]["empty"] = {"symbols": []}
    edited_universe.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValueError, match="DGS10"):
        universe.fred_series()
    with pytest.raises(ValueError, match="'empty'"):
        universe.baskets()
