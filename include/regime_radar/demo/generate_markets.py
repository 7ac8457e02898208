"""Write the demo replay payloads for the market feeds in each vendor's native format.

Run `python -m regime_radar.demo.generate_markets [OUT_DIR]` (default: the package's demo/replay).
Output is deterministic (fixed seed). Ordinary trading days are synthetic: a three-factor model
(market, tech tilt, semiconductors) plus idiosyncratic noise, with each symbol's price pinned to
its approximate real close on 2024-06-03, 2025-01-24 and 2025-02-28. The event days of the
story (2025-01-27 DeepSeek sell-off and rebound, 2025-02-03 tariff open, the week after
Alphabet's 2025-02-04 capex guidance) follow the public record. Capex facts are the reported
figures (see replay/sec_capex/README.md for which are approximate).
"""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from regime_radar.config import DEMO_REPLAY_DIR
from regime_radar.sources.market_calendar import (
    NEW_YORK,
    fed_holidays,
    is_nyse_trading_day,
    nyse_trading_days,
)

SEED = 20250127
START = date(2024, 6, 3)
END = date(2025, 2, 28)
PIN_BEFORE = date(2025, 1, 24)  # the last close before the DeepSeek sell-off
RECORDED_ON = date(2025, 3, 3)  # when the "recording" was made (a Monday)
MAX_ORDINARY_UNDERPERFORMANCE = 0.045  # no ordinary AI-basket day worse than this versus QQQ
AI_BASKET = ("NVDA", "AVGO", "AMD", "TSM", "ASML", "MU", "ARM", "MRVL", "SMH", "SOXX")

FACTOR_VOL = {"market": 0.0075, "tech": 0.0045, "semis": 0.013}


@dataclass(frozen=True)
class Instrument:
    """A symbol's shape: real anchor closes, factor loadings, noise, volume, dividends and splits."""

    symbol: str
    long_name: str
    kind: str  # EQUITY or ETF
    exchange: tuple[str, str]  # (exchangeName, fullExchangeName)
    first_trade: int  # epoch seconds, as Yahoo reports it
    closes: tuple[float, float, float]  # 2024-06-03, 2025-01-24, 2025-02-28 (approximate real closes)
    loadings: tuple[float, float, float]  # market, tech, semis
    idio_vol: float
    volume: float  # typical shares per day
    dividends: tuple[tuple[str, float], ...] = ()
    splits: tuple[tuple[str, int, int], ...] = ()


NMS = ("NMS", "NasdaqGS")
NYQ = ("NYQ", "NYSE")
PCX = ("PCX", "NYSEArca")

INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(
        "NVDA", "NVIDIA Corporation", "EQUITY", NMS, 917015400, (115.00, 142.62, 124.92), (1.3, 1.0, 1.1),
        0.020, 2.3e8, (("2024-06-11", 0.01), ("2024-09-12", 0.01), ("2024-12-05", 0.01)),
        (("2024-06-10", 10, 1),),
    ),
    Instrument(
        "AVGO", "Broadcom Inc.", "EQUITY", NMS, 1249565400, (136.20, 241.59, 199.43), (1.2, 1.0, 1.0),
        0.018, 2.5e7, (("2024-06-24", 0.525), ("2024-09-23", 0.53), ("2024-12-23", 0.59)),
        (("2024-07-15", 10, 1),),
    ),
    Instrument(
        "AMD", "Advanced Micro Devices, Inc.", "EQUITY", NMS, 322151400, (159.99, 121.47, 99.86),
        (1.3, 1.0, 0.9), 0.019, 3.5e7,
    ),
    Instrument(
        "TSM", "Taiwan Semiconductor Manufacturing Company Limited", "EQUITY", NYQ, 876403800,
        (155.80, 223.50, 181.50), (1.1, 0.8, 0.9), 0.013, 1.5e7,
        (("2024-06-13", 0.512), ("2024-09-12", 0.528), ("2024-12-12", 0.697)),
    ),
    Instrument(
        "ASML", "ASML Holding N.V.", "EQUITY", NMS, 805815000, (985.00, 752.80, 706.50), (1.0, 0.8, 0.9),
        0.015, 1.6e6, (("2024-07-29", 1.67), ("2024-10-29", 1.65)),
    ),
    Instrument(
        "MU", "Micron Technology, Inc.", "EQUITY", NMS, 485706600, (127.50, 106.40, 94.00), (1.3, 0.9, 1.0),
        0.021, 2.0e7, (("2024-07-01", 0.115), ("2024-10-07", 0.115), ("2025-01-06", 0.115)),
    ),
    Instrument(
        "ARM", "Arm Holdings plc", "EQUITY", NMS, 1694698200, (126.90, 164.80, 135.00), (1.4, 1.0, 0.9),
        0.026, 8.0e6,
    ),
    Instrument(
        "MRVL", "Marvell Technology, Inc.", "EQUITY", NMS, 961425000, (71.20, 126.00, 92.00), (1.3, 0.9, 1.0),
        0.023, 1.5e7, (("2024-07-12", 0.06), ("2024-10-11", 0.06), ("2025-01-10", 0.06)),
    ),
    Instrument(
        "SMH", "VanEck Semiconductor ETF", "ETF", NMS, 1325687400, (245.00, 267.00, 234.00), (1.2, 1.0, 1.0),
        0.003, 8.0e6, (("2024-12-23", 1.42),),
    ),
    Instrument(
        "SOXX", "iShares Semiconductor ETF", "ETF", NMS, 994080600, (236.00, 238.50, 212.00), (1.2, 1.0, 1.0),
        0.0035, 4.0e6, (("2024-06-11", 0.37), ("2024-09-25", 0.33), ("2024-12-17", 0.42)),
    ),
    Instrument(
        "MSFT", "Microsoft Corporation", "EQUITY", NMS, 511108200, (413.52, 444.06, 396.99), (1.0, 0.6, 0.0),
        0.010, 2.0e7, (("2024-08-15", 0.75), ("2024-11-21", 0.83), ("2025-02-20", 0.83)),
    ),
    Instrument(
        "GOOGL", "Alphabet Inc.", "EQUITY", NMS, 1092922200, (173.17, 200.21, 170.28), (1.0, 0.7, 0.0),
        0.013, 2.8e7, (("2024-06-10", 0.20), ("2024-09-09", 0.20), ("2024-12-09", 0.20)),
    ),
    Instrument(
        "AMZN", "Amazon.com, Inc.", "EQUITY", NMS, 863703000, (178.34, 234.85, 212.28), (1.0, 0.8, 0.0),
        0.014, 4.0e7,
    ),
    Instrument(
        "META", "Meta Platforms, Inc.", "EQUITY", NMS, 1337347800, (476.85, 647.49, 668.20), (1.1, 1.0, 0.0),
        0.017, 1.3e7, (("2024-06-14", 0.50), ("2024-09-16", 0.50), ("2024-12-16", 0.50)),
    ),
    Instrument(
        "QQQ", "Invesco QQQ Trust, Series 1", "ETF", NMS, 921076200, (452.63, 529.63, 508.17),
        (1.1, 1.0, 0.15), 0.001, 3.5e7,
        (("2024-06-24", 0.7615), ("2024-09-23", 0.6769), ("2024-12-23", 0.8347)),
    ),
    Instrument(
        "SPY", "SPDR S&P 500 ETF Trust", "ETF", PCX, 728317800, (527.80, 607.97, 594.18), (1.0, 0.0, 0.0),
        0.0008, 5.0e7, (("2024-06-21", 1.759), ("2024-09-20", 1.7463), ("2024-12-20", 1.9663)),
    ),
    Instrument(
        "DIA", "SPDR Dow Jones Industrial Average ETF Trust", "ETF", PCX, 884093400, (386.20, 446.20, 437.10),
        (0.85, -0.3, 0.0), 0.004, 3.5e6,
        tuple((d, 0.45 + 0.01 * i) for i, d in enumerate(
            ["2024-06-21", "2024-07-19", "2024-08-16", "2024-09-20", "2024-10-18", "2024-11-15",
             "2024-12-20", "2025-01-17", "2025-02-21"]
        )),
    ),
    Instrument(
        "IWM", "iShares Russell 2000 ETF", "ETF", PCX, 958743000, (202.10, 228.10, 215.00), (1.15, -0.2, 0.0),
        0.008, 3.0e7, (("2024-06-11", 0.6345), ("2024-09-25", 0.3985), ("2024-12-17", 0.7727)),
    ),
)  # fmt: skip

# Close-to-close returns and opening gaps (fractions) on the story's event days, from the public
# record (rounded). Symbols not listed on an event day follow the factor model.
EVENT_CLOSES: dict[str, dict[str, float]] = {
    "2025-01-27": {
        "NVDA": -0.1697, "AVGO": -0.1735, "AMD": -0.0637, "TSM": -0.1326, "ASML": -0.0575, "MU": -0.1171,
        "ARM": -0.1019, "MRVL": -0.1910, "SMH": -0.0986, "SOXX": -0.0921, "MSFT": -0.0214,
        "GOOGL": -0.0420, "AMZN": 0.0024, "META": 0.0191, "QQQ": -0.0292, "SPY": -0.0146,
        "DIA": 0.0065, "IWM": -0.0058,
    },
    "2025-01-28": {
        "NVDA": 0.0893, "AVGO": 0.0259, "AMD": 0.0395, "TSM": 0.0531, "ASML": 0.0185, "MU": 0.0325,
        "ARM": 0.0270, "MRVL": 0.0320, "SMH": 0.0442, "SOXX": 0.0390, "QQQ": 0.0159, "SPY": 0.0090,
    },
    "2025-01-30": {"MSFT": -0.0618, "META": 0.0155},
    "2025-02-03": {
        "NVDA": -0.0284, "AVGO": -0.0143, "AMD": -0.0170, "TSM": -0.0167, "ASML": -0.0118, "MU": -0.0290,
        "ARM": -0.0205, "MRVL": -0.0230, "SMH": -0.0183, "SOXX": -0.0190, "MSFT": -0.0142,
        "GOOGL": -0.0160, "AMZN": -0.0011, "META": 0.0124, "QQQ": -0.0081, "SPY": -0.0076,
        "DIA": -0.0028, "IWM": -0.0120,
    },
    "2025-02-04": {"NVDA": 0.0171, "QQQ": 0.0128, "SPY": 0.0072, "GOOGL": 0.0250},
    "2025-02-05": {
        "NVDA": 0.0521, "AVGO": 0.0215, "SMH": 0.0190, "GOOGL": -0.0729, "QQQ": 0.0047, "SPY": 0.0040,
    },
    "2025-02-06": {"NVDA": 0.0308, "SPY": 0.0036, "QQQ": 0.0050},
    "2025-02-07": {"NVDA": 0.0090, "AMZN": -0.0405, "QQQ": -0.0131, "SPY": -0.0095},
}  # fmt: skip

EVENT_GAPS: dict[str, dict[str, float]] = {
    "2025-01-27": {
        "NVDA": -0.1250, "AVGO": -0.1100, "AMD": -0.0450, "TSM": -0.1200, "ASML": -0.0800, "MU": -0.1000,
        "ARM": -0.0900, "MRVL": -0.1400, "SMH": -0.0950, "SOXX": -0.0880, "MSFT": -0.0360,
        "GOOGL": -0.0350, "AMZN": -0.0150, "META": -0.0200, "QQQ": -0.0350, "SPY": -0.0180,
        "DIA": -0.0040, "IWM": -0.0110,
    },
    "2025-02-03": {
        "NVDA": -0.0270, "AVGO": -0.0300, "AMD": -0.0220, "TSM": -0.0250, "ASML": -0.0200, "MU": -0.0300,
        "ARM": -0.0250, "MRVL": -0.0350, "SMH": -0.0280, "SOXX": -0.0300, "MSFT": -0.0140,
        "GOOGL": -0.0180, "AMZN": -0.0200, "META": -0.0150, "QQQ": -0.0180, "SPY": -0.0160,
        "DIA": -0.0120, "IWM": -0.0200,
    },
}  # fmt: skip

EVENT_VOLUME = {"2025-01-27": 3.3, "2025-01-28": 2.0, "2025-02-03": 1.5}


@dataclass
class Path_:
    """One instrument's generated bars."""

    instrument: Instrument
    days: list[date]
    close: np.ndarray
    open: np.ndarray = field(default_factory=lambda: np.zeros(0))
    high: np.ndarray = field(default_factory=lambda: np.zeros(0))
    low: np.ndarray = field(default_factory=lambda: np.zeros(0))
    volume: np.ndarray = field(default_factory=lambda: np.zeros(0))
    adj_close: np.ndarray = field(default_factory=lambda: np.zeros(0))
    previous_close: float = 0.0  # the close before the first bar (Yahoo's chartPreviousClose)


def _pinned_returns(raw: np.ndarray, fixed: dict[int, float], segments: list[tuple[int, int, float]]) -> np.ndarray:
    """Impose fixed event returns, then shift ordinary days so each segment's log-return hits its target."""
    r = raw.copy()
    for i, value in fixed.items():
        r[i] = np.log1p(value)
    for lo, hi, target in segments:
        ordinary = [i for i in range(lo, hi + 1) if i not in fixed]
        r[ordinary] += (target - r[lo : hi + 1].sum()) / len(ordinary)
    return r


def generate_prices(rng: np.random.Generator) -> dict[str, Path_]:
    """Bars for every instrument on every NYSE trading day from START to END."""
    days = nyse_trading_days(START, END)
    n = len(days)
    index = {d: i for i, d in enumerate(days)}
    pin = index[PIN_BEFORE]
    factors = {name: rng.normal(0.0, vol, n) for name, vol in FACTOR_VOL.items()}
    for name in factors:
        factors[name] = np.clip(factors[name], -2.5 * FACTOR_VOL[name], 2.5 * FACTOR_VOL[name])
    returns: dict[str, np.ndarray] = {}
    fixed_by_symbol: dict[str, dict[int, float]] = {}
    # QQQ first: the AI basket's ordinary days are bounded relative to it.
    order = sorted(INSTRUMENTS, key=lambda inst: inst.symbol != "QQQ")
    for inst in order:
        b_m, b_t, b_s = inst.loadings
        idio = np.clip(rng.normal(0.0, inst.idio_vol, n), -2.5 * inst.idio_vol, 2.5 * inst.idio_vol)
        raw = b_m * factors["market"] + b_t * factors["tech"] + b_s * factors["semis"] + idio
        raw[0] = 0.0
        fixed = {index[date.fromisoformat(d)]: moves[inst.symbol] for d, moves in EVENT_CLOSES.items()
                 if inst.symbol in moves}  # fmt: skip
        p0, p_pin, p_end = inst.closes
        segments = [(1, pin, np.log(p_pin / p0)), (pin + 1, n - 1, np.log(p_end / p_pin))]
        r = _pinned_returns(raw, fixed, segments)
        if inst.symbol in AI_BASKET:
            floor = np.log1p(-MAX_ORDINARY_UNDERPERFORMANCE) + 0.004
            for _ in range(50):
                simple_gap = np.expm1(r) - np.expm1(returns["QQQ"])
                bad = [i for i in range(1, n) if i not in fixed and simple_gap[i] < -MAX_ORDINARY_UNDERPERFORMANCE]
                if not bad:
                    break
                for i in bad:
                    raw[i] = returns["QQQ"][i] + floor + rng.uniform(0.0, 0.01) - (r[i] - raw[i])
                r = _pinned_returns(raw, fixed, segments)
            else:  # pragma: no cover - the loop converges in a few passes
                raise RuntimeError(f"{inst.symbol}: could not keep ordinary days above the crash floor")
        returns[inst.symbol] = r
        fixed_by_symbol[inst.symbol] = fixed
    paths = {}
    for inst in INSTRUMENTS:
        r = returns[inst.symbol]
        close = inst.closes[0] * np.exp(np.cumsum(r))
        paths[inst.symbol] = _bars(inst, days, close, r, rng)
    return paths


def _bars(inst: Instrument, days: list[date], close: np.ndarray, r: np.ndarray, rng: np.random.Generator) -> Path_:
    """Open/high/low/volume around a close path, and Yahoo's dividend-adjusted close."""
    n = len(days)
    loadings = zip(inst.loadings, FACTOR_VOL.values(), strict=True)
    sigma = float(np.sqrt(sum((b * vol) ** 2 for b, vol in loadings) + inst.idio_vol**2))
    prev = np.concatenate([[close[0] / np.exp(rng.normal(0, sigma))], close[:-1]])
    gap = 0.35 * r + rng.normal(0.0, 0.25 * sigma, n)
    for d, gaps in EVENT_GAPS.items():
        if inst.symbol in gaps:
            gap[days.index(date.fromisoformat(d))] = np.log1p(gaps[inst.symbol])
    open_ = prev * np.exp(gap)
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.45 * sigma, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.45 * sigma, n)))
    z = np.abs(r) / sigma
    volume = inst.volume * np.exp(rng.normal(0.0, 0.22, n)) * (1.0 + 0.35 * np.maximum(0.0, z - 1.0))
    for d, factor in EVENT_VOLUME.items():
        i = days.index(date.fromisoformat(d))
        volume[i] = inst.volume * factor * (1.0 if inst.symbol in AI_BASKET else 0.6)
    close = np.round(close, 2)
    adj = close.copy()
    for ex_date, amount in inst.dividends:
        ex = _on_or_after(date.fromisoformat(ex_date))
        if ex > days[-1] or ex <= days[0]:
            continue
        i = days.index(ex)
        adj[:i] *= 1.0 - amount / close[i - 1]
    path = Path_(inst, days, close)
    path.open, path.high, path.low = np.round(open_, 2), np.round(high, 2), np.round(low, 2)
    path.volume = np.round(volume, -2).astype(np.int64)
    path.adj_close = adj
    path.previous_close = round(float(prev[0]), 2)
    return path


def _on_or_after(day: date) -> date:
    while not is_nyse_trading_day(day):
        day += timedelta(days=1)
    return day


def _f32(value: float) -> float:
    # Yahoo serialises its float32 prices, so 118.42 arrives as 118.41999816894531.
    return float(np.float32(value))


def _open_epoch(day: date) -> int:
    return int(datetime.combine(day, time(9, 30), tzinfo=NEW_YORK).timestamp())


def yahoo_chart_json(path: Path_) -> dict[str, Any]:
    """One symbol's chart in the API v8 shape, as recorded after the close of 2025-02-28."""
    inst, days = path.instrument, path.days
    last_close = float(path.close[-1])
    close_epoch = int(datetime.combine(END, time(16, 0), tzinfo=NEW_YORK).timestamp())
    trading = {
        "pre": _session(RECORDED_ON, time(4), time(9, 30)),
        "regular": _session(RECORDED_ON, time(9, 30), time(16)),
        "post": _session(RECORDED_ON, time(16), time(20)),
    }
    meta = {
        "currency": "USD",
        "symbol": inst.symbol,
        "exchangeName": inst.exchange[0],
        "fullExchangeName": inst.exchange[1],
        "instrumentType": inst.kind,
        "firstTradeDate": inst.first_trade,
        "regularMarketTime": close_epoch,
        "hasPrePostMarketData": True,
        "gmtoffset": -18000,
        "timezone": "EST",
        "exchangeTimezoneName": "America/New_York",
        "regularMarketPrice": _f32(last_close),
        "fiftyTwoWeekHigh": _f32(float(path.high.max())),
        "fiftyTwoWeekLow": _f32(float(path.low.min())),
        "regularMarketDayHigh": _f32(float(path.high[-1])),
        "regularMarketDayLow": _f32(float(path.low[-1])),
        "regularMarketVolume": int(path.volume[-1]),
        "longName": inst.long_name,
        "shortName": inst.long_name,
        "chartPreviousClose": _f32(path.previous_close),
        "priceHint": 2,
        "currentTradingPeriod": trading,
        "dataGranularity": "1d",
        "range": "",
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    }
    events: dict[str, Any] = {}
    dividends = {}
    for ex_date, amount in inst.dividends:
        ex = _on_or_after(date.fromisoformat(ex_date))
        if START <= ex <= END:
            dividends[str(_open_epoch(ex))] = {"amount": amount, "date": _open_epoch(ex)}
    if dividends:
        events["dividends"] = dividends
    splits = {}
    for split_date, numerator, denominator in inst.splits:
        stamp = _open_epoch(date.fromisoformat(split_date))
        splits[str(stamp)] = {
            "date": stamp,
            "numerator": float(numerator),
            "denominator": float(denominator),
            "splitRatio": f"{numerator}:{denominator}",
        }
    if splits:
        events["splits"] = splits
    result: dict[str, Any] = {"meta": meta, "timestamp": [_open_epoch(d) for d in days]}
    if events:
        result["events"] = events
    result["indicators"] = {
        "quote": [
            {
                "open": [_f32(v) for v in path.open],
                "high": [_f32(v) for v in path.high],
                "close": [_f32(v) for v in path.close],
                "low": [_f32(v) for v in path.low],
                "volume": [int(v) for v in path.volume],
            }
        ],
        "adjclose": [{"adjclose": [_f32(v) for v in path.adj_close]}],
    }
    return {"chart": {"result": [result], "error": None}}


def _session(day: date, start: time, end: time) -> dict[str, Any]:
    return {
        "timezone": "EST",
        "start": int(datetime.combine(day, start, tzinfo=NEW_YORK).timestamp()),
        "end": int(datetime.combine(day, end, tzinfo=NEW_YORK).timestamp()),
        "gmtoffset": -18000,
    }


# ---------------------------------------------------------------------------------------------
# FRED


@dataclass(frozen=True)
class FredSpec:
    """A synthetic FRED series: anchor values on dates, daily noise, decimals and its holiday calendar."""

    series_id: str
    anchors: tuple[tuple[str, float], ...]
    daily_vol: float
    decimals: int
    calendar: str  # "nyse" or "fed": which holidays print "."


FRED_BRIDGED: tuple[FredSpec, ...] = (
    FredSpec("DGS10", (("2024-06-03", 4.41), ("2024-09-16", 3.63), ("2024-12-02", 4.19),
                       ("2025-01-14", 4.79), ("2025-01-24", 4.62), ("2025-01-27", 4.53),
                       ("2025-02-03", 4.54), ("2025-02-28", 4.24)),
             0.045, 2, "fed"),
    FredSpec("DEXCAUS", (("2024-06-03", 1.3640), ("2024-09-25", 1.3450), ("2024-12-02", 1.4020),
                         ("2025-01-24", 1.4370), ("2025-01-31", 1.4530), ("2025-02-03", 1.4705),
                         ("2025-02-04", 1.4365), ("2025-02-05", 1.4318), ("2025-02-28", 1.4440)),
             0.0032, 4, "fed"),
    FredSpec("DEXMXUS", (("2024-06-03", 17.5500), ("2024-09-25", 19.5200), ("2024-12-02", 20.4500),
                         ("2025-01-24", 20.2500), ("2025-01-31", 20.7200), ("2025-02-03", 20.9800),
                         ("2025-02-04", 20.5600), ("2025-02-05", 20.4400), ("2025-02-28", 20.4800)),
             0.075, 4, "fed"),
    FredSpec("DTWEXBGS", (("2024-06-03", 121.0), ("2024-09-27", 119.3), ("2024-12-02", 127.5),
                          ("2025-01-13", 130.2), ("2025-01-24", 128.5), ("2025-01-31", 129.1),
                          ("2025-02-03", 130.05), ("2025-02-04", 129.25), ("2025-02-28", 127.4)),
             0.22, 4, "fed"),
)  # fmt: skip

# Index levels on 2024-06-03 (approximate real closes); their daily returns follow SPY/QQQ.
INDEX_START = {"SP500": 5283.40, "NASDAQ100": 18608.40, "NASDAQCOM": 16828.67}
VIX_START = 13.11
VIX_FIXED = {
    "2025-01-24": 14.85,
    "2025-01-27": 17.90,
    "2025-01-28": 16.41,
    "2025-02-03": 18.62,
    "2025-02-04": 17.21,
}
NASDAQCOM_FIXED = {"2025-01-27": -0.0307, "2025-02-03": -0.0120}


def _weekdays(start: date, end: date) -> list[date]:
    return [
        start + timedelta(days=i) for i in range((end - start).days + 1) if (start + timedelta(days=i)).weekday() < 5
    ]


def _bridge(days: list[date], anchors: dict[date, float], vol: float, rng: np.random.Generator) -> np.ndarray:
    """Brownian bridges through the anchor values (linear between anchors plus pinned noise)."""
    values = np.empty(len(days))
    keys = sorted(anchors)
    position = {d: i for i, d in enumerate(days)}
    for a, b in itertools.pairwise(keys):
        i, j = position[a], position[b]
        steps = rng.normal(0.0, vol, j - i)
        walk = np.concatenate([[0.0], np.cumsum(steps)])
        frac = np.arange(j - i + 1) / (j - i)
        walk -= frac * walk[-1]
        values[i : j + 1] = anchors[a] + frac * (anchors[b] - anchors[a]) + walk
    return values


def generate_fred(paths: dict[str, Path_], rng: np.random.Generator) -> dict[str, list[tuple[date, str]]]:
    """Every FRED market series as (date, value-string) pairs over every weekday, '.' where none was set."""
    weekdays = _weekdays(START, END)
    trading = paths["SPY"].days
    out: dict[str, list[tuple[date, str]]] = {}

    def adj_returns(symbol: str) -> dict[date, float]:
        adj = paths[symbol].adj_close
        return {d: adj[i] / adj[i - 1] - 1.0 for i, d in enumerate(trading) if i > 0}

    spy, qqq = adj_returns("SPY"), adj_returns("QQQ")
    series_returns = {
        "SP500": spy,
        "NASDAQ100": qqq,
        "NASDAQCOM": {d: r * 1.02 + rng.normal(0.0, 0.0018) for d, r in qqq.items()},
    }
    for d, value in NASDAQCOM_FIXED.items():
        series_returns["NASDAQCOM"][date.fromisoformat(d)] = value
    for series_id, rets in series_returns.items():
        level = INDEX_START[series_id]
        levels = {trading[0]: level}
        for d in trading[1:]:
            level *= 1.0 + rets[d]
            levels[d] = level
        out[series_id] = [(d, f"{levels[d]:.2f}" if d in levels else ".") for d in weekdays]
    vix = {}
    level = VIX_START
    fixed = {date.fromisoformat(d): v for d, v in VIX_FIXED.items()}
    for d in trading:
        if d in fixed:
            level = fixed[d]
        else:
            pull = 0.12 * (np.log(15.5) - np.log(level))
            step = pull - 3.2 * spy.get(d, 0.0) + rng.normal(0.0, 0.035)
            level = float(np.clip(level * np.exp(step), 11.5, 23.0))
            upcoming = [f for f in fixed if 0 < (f - d).days <= 10]
            if upcoming:  # lean towards the next recorded value so the path meets it smoothly
                target = fixed[min(upcoming)]
                level += (target - level) * 0.35
        vix[d] = level
    out["VIXCLS"] = [(d, f"{vix[d]:.2f}" if d in vix else ".") for d in weekdays]
    for spec in FRED_BRIDGED:
        values = _bridge(weekdays, {date.fromisoformat(d): v for d, v in spec.anchors}, spec.daily_vol, rng)
        holidays = fed_holidays(2024) | fed_holidays(2025)
        out[spec.series_id] = [
            (d, "." if d in holidays else f"{v:.{spec.decimals}f}") for d, v in zip(weekdays, values, strict=True)
        ]
    return out


def fred_json(series_id: str, observations: list[tuple[date, str]]) -> dict[str, Any]:
    """A series/observations response (file_type=json) as FRED returns it."""
    stamp = RECORDED_ON.isoformat()
    return {
        "realtime_start": stamp,
        "realtime_end": stamp,
        "observation_start": START.isoformat(),
        "observation_end": END.isoformat(),
        "units": "lin",
        "output_type": 1,
        "file_type": "json",
        "order_by": "observation_date",
        "sort_order": "asc",
        "count": len(observations),
        "offset": 0,
        "limit": 100000,
        "observations": [
            {"realtime_start": stamp, "realtime_end": stamp, "date": d.isoformat(), "value": v} for d, v in observations
        ],
    }


# ---------------------------------------------------------------------------------------------
# SEC EDGAR companyconcept

TAG_LABELS = {
    "PaymentsToAcquirePropertyPlantAndEquipment": (
        "Payments to Acquire Property, Plant, and Equipment",
        "The cash outflow associated with the acquisition of long-lived, physical assets that are used in "
        "the normal conduct of business to produce goods and services and not intended for resale; "
        "includes cash outflows to pay for construction of self-constructed assets.",
    ),
    "PaymentsToAcquireProductiveAssets": (
        "Payments to Acquire Productive Assets",
        "The cash outflow from purchases of and capital improvements on property, plant and equipment "
        "(capital expenditures), software, and other intangible assets.",
    ),
}


@dataclass(frozen=True)
class CapexCompany:
    """A hyperscaler's reported quarterly capex (USD millions) and its filing calendar."""

    ticker: str
    cik: int
    entity: str
    tag: str
    fiscal_year_end_month: int
    accession_prefix: str
    # fiscal year -> four quarterly amounts, USD millions
    quarters: dict[int, tuple[int, int, int, int]]
    # annual totals for years before the first quarterly year (10-K comparatives only)
    annual_only: dict[int, int]
    # fiscal year -> filing dates of the Q1, Q2, Q3 10-Qs and the 10-K (None: not filed by the recording)
    filed: dict[int, tuple[str | None, str | None, str | None, str | None]]


CAPEX: tuple[CapexCompany, ...] = (
    CapexCompany(
        "MSFT", 789019, "MICROSOFT CORPORATION", "PaymentsToAcquirePropertyPlantAndEquipment", 6,
        "0000950170",
        {2021: (4907, 5018, 5089, 5608), 2022: (5810, 5865, 5340, 6871), 2023: (6283, 6274, 6607, 8943),
         2024: (9917, 9735, 10952, 13873), 2025: (14923, 15804, 0, 0)},
        {2020: 15441},
        {2022: ("2021-10-26", "2022-01-25", "2022-04-26", "2022-07-28"),
         2023: ("2022-10-25", "2023-01-24", "2023-04-25", "2023-07-27"),
         2024: ("2023-10-24", "2024-01-30", "2024-04-25", "2024-07-30"),
         2025: ("2024-10-30", "2025-01-29", None, None)},
    ),
    CapexCompany(
        "GOOGL", 1652044, "Alphabet Inc.", "PaymentsToAcquirePropertyPlantAndEquipment", 12, "0001652044",
        {2021: (5942, 5496, 6819, 6383), 2022: (9786, 6828, 7276, 7595), 2023: (6289, 6888, 8055, 11019),
         2024: (12012, 13186, 13061, 14276)},
        {2020: 22281},
        {2022: ("2022-04-27", "2022-07-27", "2022-10-26", "2023-02-03"),
         2023: ("2023-04-26", "2023-07-26", "2023-10-25", "2024-01-31"),
         2024: ("2024-04-26", "2024-07-24", "2024-10-30", "2025-02-05")},
    ),
    CapexCompany(
        "AMZN", 1018724, "AMAZON.COM, INC.", "PaymentsToAcquireProductiveAssets", 12, "0001018724",
        {2021: (14951, 15557, 15748, 14797), 2022: (15724, 15980, 16378, 15563),
         2023: (14207, 11455, 12479, 14588), 2024: (14925, 17620, 22620, 27839)},
        {2020: 40140},
        {2022: ("2022-04-29", "2022-07-29", "2022-10-28", "2023-02-03"),
         2023: ("2023-04-28", "2023-08-04", "2023-10-27", "2024-02-02"),
         2024: ("2024-05-01", "2024-08-02", "2024-11-01", "2025-02-07")},
    ),
    CapexCompany(
        "META", 1326801, "Meta Platforms, Inc.", "PaymentsToAcquirePropertyPlantAndEquipment", 12,
        "0001326801",
        {2021: (4272, 4612, 4313, 5370), 2022: (5550, 7572, 9375, 8934), 2023: (6823, 6134, 6543, 7545),
         2024: (6400, 8173, 8258, 14425)},
        {2020: 15115},
        {2022: ("2022-04-28", "2022-07-28", "2022-10-27", "2023-02-02"),
         2023: ("2023-04-27", "2023-07-27", "2023-10-26", "2024-02-02"),
         2024: ("2024-04-25", "2024-08-01", "2024-10-31", "2025-01-30")},
    ),
)  # fmt: skip


def _fiscal_start(fiscal_year: int, fy_end_month: int) -> date:
    # A fiscal year is named after the calendar year in which it ends.
    if fy_end_month == 12:
        return date(fiscal_year, 1, 1)
    return date(fiscal_year - 1, fy_end_month + 1, 1)


def _month_end(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, 1) - timedelta(days=1)


def _calendar_frame(start: date, end: date) -> str | None:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months == 3:
        return f"CY{start.year}Q{(start.month - 1) // 3 + 1}"
    if months == 12 and start.month == 1:
        return f"CY{start.year}"
    return None


def capex_json(company: CapexCompany, rng: np.random.Generator) -> dict[str, Any]:
    """A companyconcept response: every YTD fact of every filing, comparatives included, as EDGAR has them."""
    m = company.fiscal_year_end_month

    def ytd(fiscal_year: int, quarters: int) -> tuple[date, date, int] | None:
        start = _fiscal_start(fiscal_year, m)
        if fiscal_year in company.quarters:
            amounts = company.quarters[fiscal_year][:quarters]
            if 0 in amounts:
                return None
            return start, _month_end(start, 3 * quarters), sum(amounts) * 1_000_000
        if quarters == 4 and fiscal_year in company.annual_only:
            return start, _month_end(start, 12), company.annual_only[fiscal_year] * 1_000_000
        return None

    facts: list[dict[str, Any]] = []
    for fiscal_year, dates in sorted(company.filed.items()):
        for q, filed in enumerate(dates, start=1):
            if filed is None:
                continue
            filed_on = date.fromisoformat(filed)
            accn = f"{company.accession_prefix}-{filed_on.year % 100:02d}-{int(rng.integers(1000, 99999)):06d}"
            form = "10-K" if q == 4 else "10-Q"
            reported = [fiscal_year, fiscal_year - 1] + ([fiscal_year - 2] if q == 4 else [])
            for year in reported:
                fact = ytd(year, q)
                if fact is None:
                    continue
                start, end, value = fact
                facts.append(
                    {
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                        "val": value,
                        "accn": accn,
                        "fy": fiscal_year,
                        "fp": "FY" if q == 4 else f"Q{q}",
                        "form": form,
                        "filed": filed,
                    }
                )
    # EDGAR assigns a calendar frame to one fact per period (the latest filing's), never to 6/9-month YTDs.
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for fact in facts:
        latest[(fact["start"], fact["end"])] = fact
    for (start, end), fact in latest.items():
        frame = _calendar_frame(date.fromisoformat(start), date.fromisoformat(end))
        if frame:
            fact["frame"] = frame
    facts.sort(key=lambda f: (f["end"], f["start"], f["filed"]))
    label, description = TAG_LABELS[company.tag]
    return {
        "cik": company.cik,
        "taxonomy": "us-gaap",
        "tag": company.tag,
        "label": label,
        "description": description,
        "entityName": company.entity,
        "units": {"USD": facts},
    }


# ---------------------------------------------------------------------------------------------


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")


def main(out_dir: Path = DEMO_REPLAY_DIR) -> None:
    """Write replay/yahoo_chart, replay/fred_markets and replay/sec_capex under `out_dir`."""
    rng = np.random.default_rng(SEED)
    paths = generate_prices(rng)
    for symbol, path in paths.items():
        _write_json(out_dir / "yahoo_chart" / f"{symbol}.json", yahoo_chart_json(path))
    for series_id, observations in generate_fred(paths, rng).items():
        _write_json(out_dir / "fred_markets" / f"{series_id}.json", fred_json(series_id, observations))
    for company in CAPEX:
        _write_json(out_dir / "sec_capex" / f"{company.ticker}.json", capex_json(company, rng))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEMO_REPLAY_DIR)
