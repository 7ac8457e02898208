"""Property: the flags of day D are identical whether or not any data published after D's cutoff is present.

Every input table gets random rows that became public after the cutoff: later dates, but also
revisions of past dates, late filings, orders signed before D but published after it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regime_radar.flags import engine
from tests.unit.flags.episode import episode_actions
from tests.unit.flags.tables import (
    BASKET,
    MARKET,
    capex,
    crash,
    event,
    observation,
    prices,
    quarter_ends,
    release,
    series,
    trading_days,
    uncertainty,
)

RULES = engine.load_rules()
DAYS = trading_days("2024-10-01", "2025-03-07")
CANDIDATES = trading_days("2025-01-21", "2025-02-28")


def _base() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(11)
    ends = quarter_ends(2023, 8)
    filed = [(pd.Timestamp(e) + pd.Timedelta(days=35)).date().isoformat() for e in ends]
    tpu_days = [d.date() for d in pd.bdate_range("2024-01-01", "2025-03-07")]
    return {
        "prices_daily": prices(DAYS, crash(date(2025, 1, 27), -0.12, -0.03)),
        "market_series": pd.concat(
            [
                series("DEXCAUS", DAYS, list(1.4 + rng.normal(0, 0.004, len(DAYS)).cumsum()), lag_days=7),
                series("VIXCLS", DAYS, list(16 + rng.normal(0, 1, len(DAYS)))),
                series("SP500", DAYS, list(6000 * np.exp(rng.normal(0, 0.008, len(DAYS)).cumsum()))),
            ],
            ignore_index=True,
        ),
        "capex_quarterly": pd.DataFrame(
            capex("MSFT", list(zip(ends, [10, 11, 12, 13, 15, 17, 19, 21], filed, strict=True)))
        ),
        "tech_events": pd.DataFrame(
            [
                event("2025-01-20", "model_release", "An open-weight frontier model at low cost"),
                event("2025-02-04", "capex_guidance", "MegaCloud raises its capex guide", clock="16:30"),
            ]
        ),
        "macro_releases": pd.DataFrame(
            [
                release("ISM_MFG_PMI", "2024-12-01", 49.2, "2025-01-03"),
                release("ISM_MFG_PMI", "2025-01-01", 50.9, "2025-02-03"),
                release("NFP_CHANGE", "2025-01-01", 143.0, "2025-02-07", surprise_z=-0.3),
            ]
        ),
        "macro_observations": pd.DataFrame([observation("JOLTS_PER_UNEMPLOYED", "2024-12-01", 1.10, "2025-02-04")]),
        "tariff_actions": episode_actions(),
        "policy_uncertainty": uncertainty("TPU_DAILY", tpu_days, list(100 + 40 * rng.random(len(tpu_days)))),
    }


BASE = _base()

# one later row = (days from D to its date, seconds after D's cutoff it became public, a number, a choice)
later_row = st.tuples(
    st.integers(-60, 30),
    st.integers(1, 40 * 86_400),
    st.floats(0.01, 500.0, allow_nan=False),
    st.integers(0, 1_000),
)


def _later_rows(name: str, day: date, drawn: list[tuple[int, int, float, int]]) -> pd.DataFrame:
    cut = engine.cutoff(day, RULES)
    rows: list[dict[str, Any]] = []
    for offset, delay, number, pick in drawn:
        when = day + timedelta(days=offset)
        public = cut + timedelta(seconds=delay)
        ingested = datetime(2030, 1, 1, tzinfo=UTC)
        if name == "prices_daily":
            symbol = [*BASKET, *MARKET, "NEWSYM"][pick % (len(BASKET) + 3)]
            rows.append(
                {
                    "symbol": symbol,
                    "date": when,
                    "close": number,
                    "adj_close": number,
                    "source": "late",
                    "available_at": public,
                    "ingested_at": ingested,
                }
            )
        elif name == "market_series":
            rows.append(
                {
                    "series_id": ["DEXCAUS", "DEXMXUS", "VIXCLS", "SP500"][pick % 4],
                    "date": when,
                    "value": number,
                    "source": "late",
                    "available_at": public,
                    "ingested_at": ingested,
                }
            )
        elif name == "capex_quarterly":
            rows.extend(capex(["MSFT", "GOOGL"][pick % 2], [(quarter_ends(2024, 5)[pick % 5], number, "2025-01-01")]))
            rows[-1]["available_at"] = public
        elif name == "tech_events":
            kind = ["model_release", "capex_guidance"][pick % 2]
            rows.append(
                {**event(when.isoformat(), kind, f"open-weight model {pick} at low cost"), "available_at": public}
            )
        elif name == "macro_releases":
            name_ = ["ISM_MFG_PMI", "ISM_SERVICES_PMI", "NFP_CHANGE", "ADP_CHANGE"][pick % 4]
            row = release(
                name_,
                when.replace(day=1).isoformat(),
                40 + number / 25,
                when.isoformat(),
                surprise_z=(number - 250) / 100,
            )
            rows.append({**row, "released_at": public, "available_at": public})
        elif name == "macro_observations":
            series_id = ["ISM_MFG_PMI", "JOLTS_PER_UNEMPLOYED"][pick % 2]
            row = observation(
                series_id,
                when.replace(day=1).isoformat(),
                number / 100,
                public.date().isoformat(),
                first=bool(pick % 2),
            )
            rows.append({**row, "available_at": public})
        elif name == "tariff_actions":
            kinds = ["impose", "increase", "decrease", "pause", "resume", "exempt", "revoke", "announce_intent"]
            rows.append(
                {
                    "action_id": f"late-{pick}-{offset}-{delay}",
                    "document_number": None,
                    "eo_number": None,
                    "title": "late order",
                    "action": kinds[pick % len(kinds)],
                    "partner": ["CA", "MX", "CN", "ALL", "JP"][pick % 5],
                    "scope": ["all_goods", "semiconductors", "steel", "energy"][pick % 4],
                    "rate_pct": number % 100,
                    "signed_on": when,
                    "published_on": public.date(),
                    "effective_at": public + timedelta(days=pick % 3) if pick % 2 else None,
                    "expires_at": public + timedelta(days=10 + pick % 40) if pick % 3 == 0 else None,
                    "authority": None,
                    "modifies": None,
                    "source_url": "https://late.test",
                    "evidence": "{}",
                    "confidence": 0.9,
                    "available_at": public,
                    "ingested_at": ingested,
                }
            )
        elif name == "policy_uncertainty":
            rows.append(
                {
                    "index_name": "TPU_DAILY",
                    "date": when,
                    "value": number,
                    "source": "late",
                    "available_at": public,
                    "ingested_at": ingested,
                }
            )
    return pd.DataFrame(rows)


def _window(tables: dict[str, pd.DataFrame]) -> tuple[list[dict], list[dict]]:
    flags, states = engine.compute_window(CANDIDATES, tables, RULES)
    return [{k: v for k, v in r.items() if k != "computed_at"} for r in flags], states


def _upto(day: date, window: tuple[list[dict], list[dict]]) -> tuple[list[dict], list[dict]]:
    return [r for r in window[0] if r["date"] <= day], [s for s in window[1] if s["date"] <= day]


def _flags(day: date, tables: dict[str, pd.DataFrame]) -> tuple[list[dict], list[dict]]:
    """The rows of every day up to D, computed in a window that runs on past D (later days see the later rows)."""
    return _upto(day, _window(tables))


BASE_WINDOW = _window(BASE)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    day=st.sampled_from(CANDIDATES),
    later=st.fixed_dictionaries({name: st.lists(later_row, max_size=4) for name in engine.INPUTS}),
)
def test_flags_of_day_d_ignore_everything_published_after_its_cutoff(day: date, later: dict) -> None:
    # the window runs on past D, so later rows split it into runs of days: D must not see them either way
    extended = {}
    for name, frame in BASE.items():
        extra = _later_rows(name, day, later[name])
        extended[name] = pd.concat([frame, extra], ignore_index=True) if len(extra) else frame
    assert _flags(day, extended) == _upto(day, BASE_WINDOW)


@pytest.mark.parametrize("day", [date(2025, 1, 27), date(2025, 2, 3), date(2025, 2, 25)])
def test_a_whole_future_does_not_change_the_past(day: date) -> None:
    cut = pd.Timestamp(engine.cutoff(day, RULES))
    truncated = {name: frame[pd.to_datetime(frame["available_at"], utc=True) <= cut] for name, frame in BASE.items()}
    assert _flags(day, truncated) == _upto(day, BASE_WINDOW)
