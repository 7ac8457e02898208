"""Write the macro demo recordings (ALFRED and DBnomics JSON) and the consensus seed, deterministically.

    python -m regime_radar.demo.generate_macro

Writes `demo/replay/fred_macro/{series,release_dates}/*.json`, `demo/replay/ism/<dataset>/<series>.json`
and `demo/seed/consensus.csv`. What is a public print and what is synthetic is documented in the
READMEs next to the recordings; the tables below say it line by line. Every synthetic number comes
from the tables or from a seeded random generator, so rerunning the script rewrites identical files.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from regime_radar.sources.ism import release_date as ism_release_date
from regime_radar.sources.market_calendar import fed_holidays

DEMO_DIR = Path(__file__).resolve().parent
REPLAY_DIR = DEMO_DIR / "replay"
SEED_DIR = DEMO_DIR / "seed"

# The recording: ALFRED asked for realtime 2023-09-01 … 2025-02-28 and observations from 2023-09-01.
REALTIME_START = date(2023, 9, 1)
REALTIME_END = date(2025, 2, 28)
MONTHS = [date(2023 + (8 + i) // 12, (8 + i) % 12 + 1, 1) for i in range(17)]  # 2023-09 … 2025-01


def m(text: str) -> date:
    return date.fromisoformat(text + "-01")


# --- Employment Situation (BLS), release 50 -----------------------------------------------------
# Release date of each reference month (public schedule).
ES_DATES = {
    m("2023-09"): date(2023, 10, 6),
    m("2023-10"): date(2023, 11, 3),
    m("2023-11"): date(2023, 12, 8),
    m("2023-12"): date(2024, 1, 5),
    m("2024-01"): date(2024, 2, 2),
    m("2024-02"): date(2024, 3, 8),
    m("2024-03"): date(2024, 4, 5),
    m("2024-04"): date(2024, 5, 3),
    m("2024-05"): date(2024, 6, 7),
    m("2024-06"): date(2024, 7, 5),
    m("2024-07"): date(2024, 8, 2),
    m("2024-08"): date(2024, 9, 6),
    m("2024-09"): date(2024, 10, 4),
    m("2024-10"): date(2024, 11, 1),
    m("2024-11"): date(2024, 12, 6),
    m("2024-12"): date(2025, 1, 10),
    m("2025-01"): date(2025, 2, 7),
}
# Payroll change, thousands: (first print, second estimate, third estimate). First prints are the
# published ones; the Nov/Dec 2024 revisions are the published ones (issue 4); other revisions are
# approximately the published ones and are treated as synthetic.
NFP = {
    m("2023-09"): (336, 297, 262),
    m("2023-10"): (150, 150, 105),
    m("2023-11"): (199, 173, 182),
    m("2023-12"): (216, 333, 290),
    m("2024-01"): (353, 229, 256),
    m("2024-02"): (275, 270, 236),
    m("2024-03"): (303, 315, 310),
    m("2024-04"): (175, 165, 108),
    m("2024-05"): (272, 218, 216),
    m("2024-06"): (206, 179, 118),
    m("2024-07"): (114, 89, 144),
    m("2024-08"): (142, 159, 78),
    m("2024-09"): (254, 223, 255),
    m("2024-10"): (12, 36, 43),
    m("2024-11"): (227, 212, 261),
    m("2024-12"): (256, 307, None),
    m("2025-01"): (143, None, None),
}
# The February 2025 benchmark (published with January 2025): the March 2024 level came down 589k.
# Modelled (synthetic) as −49k on each change from 2023-09 through 2024-03 and the rest on the level
# before; October 2024 reads 44 in that vintage.
BENCHMARK_DAY = date(2025, 2, 7)
BENCHMARK_TOTAL = -589
BENCHMARK_PER_MONTH = -49
PAYEMS_AUG_2023 = 156_300  # synthetic base level, thousands
# Unemployment rate, percent, first prints (published), not revised in this recording.
UNRATE = dict(
    zip(MONTHS, [3.8, 3.9, 3.7, 3.7, 3.7, 3.9, 3.8, 3.9, 4.0, 4.1, 4.3, 4.2, 4.1, 4.1, 4.2, 4.1, 4.0], strict=True)
)
# Unemployment level, thousands: Nov 2024 – Jan 2025 close to the published levels (openings per
# unemployed 1.14 → 1.10); the other months are synthetic (rate × a drifting labour force).
UNEMPLOY_FIXED = {m("2024-11"): 7_145, m("2024-12"): 6_886, m("2025-01"): 6_849}

# --- JOLTS (BLS), release 192 --------------------------------------------------------------------
# Job openings, thousands: (release date, first print, revision at the next release).
JOLTS = {
    m("2023-09"): (date(2023, 11, 1), 9_553, 9_350),
    m("2023-10"): (date(2023, 12, 5), 8_733, 8_852),
    m("2023-11"): (date(2024, 1, 3), 8_790, 8_925),
    m("2023-12"): (date(2024, 2, 6), 9_026, 8_889),
    m("2024-01"): (date(2024, 3, 12), 8_863, 8_748),
    m("2024-02"): (date(2024, 4, 2), 8_756, 8_813),
    m("2024-03"): (date(2024, 5, 1), 8_488, 8_355),
    m("2024-04"): (date(2024, 6, 4), 8_059, 7_919),
    m("2024-05"): (date(2024, 7, 2), 8_140, 8_230),
    m("2024-06"): (date(2024, 8, 6), 8_184, 7_910),
    m("2024-07"): (date(2024, 9, 4), 7_673, 7_711),
    m("2024-08"): (date(2024, 10, 1), 8_040, 7_861),
    m("2024-09"): (date(2024, 10, 29), 7_443, 7_372),
    m("2024-10"): (date(2024, 12, 3), 7_744, 7_839),
    m("2024-11"): (date(2025, 1, 7), 8_098, 8_156),
    m("2024-12"): (date(2025, 2, 4), 7_600, None),
}

# --- ADP National Employment Report, release 194 -----------------------------------------------
# Private payroll change, thousands: (release date, first print, revision at the next release).
# First prints are the published ones; December 2024 122 → 176 is published (issue 4); other
# revisions are synthetic.
ADP = {
    m("2023-09"): (date(2023, 10, 4), 89, 89),
    m("2023-10"): (date(2023, 11, 1), 113, 106),
    m("2023-11"): (date(2023, 12, 6), 103, 101),
    m("2023-12"): (date(2024, 1, 4), 164, 158),
    m("2024-01"): (date(2024, 1, 31), 107, 111),
    m("2024-02"): (date(2024, 3, 6), 140, 155),
    m("2024-03"): (date(2024, 4, 3), 184, 208),
    m("2024-04"): (date(2024, 5, 1), 192, 188),
    m("2024-05"): (date(2024, 6, 5), 152, 157),
    m("2024-06"): (date(2024, 7, 3), 150, 155),
    m("2024-07"): (date(2024, 7, 31), 122, 111),
    m("2024-08"): (date(2024, 9, 5), 99, 103),
    m("2024-09"): (date(2024, 10, 2), 143, 159),
    m("2024-10"): (date(2024, 10, 30), 233, 184),
    m("2024-11"): (date(2024, 12, 4), 146, 146),
    m("2024-12"): (date(2025, 1, 8), 122, 176),
    m("2025-01"): (date(2025, 2, 5), 183, None),
}
ADP_AUG_2023 = 130_250_000  # synthetic base level, persons

# --- ISM (DBnomics mirror) -----------------------------------------------------------------------
# Index values 2023-09 … 2025-01. Headline PMIs are the published first prints, except December
# 2024 which holds the revised value the mirror carries (manufacturing 49.3 → 49.2, services
# 54.1 → 54.0). Sub-indices: January 2025 and December 2024 are the published prints; earlier
# months approximate the published ones and are treated as synthetic.
ISM = {
    ("pmi", "pm"): [
        49.0, 46.7, 46.7, 47.4, 49.1, 47.8, 50.3, 49.2, 48.7, 48.5, 46.8, 47.2, 47.2, 46.5, 48.4, 49.2, 50.9,
    ],
    ("neword", "in"): [
        49.2, 45.5, 48.3, 47.1, 52.5, 49.2, 51.4, 49.1, 45.4, 49.3, 47.4, 44.6, 46.1, 47.1, 50.4, 52.5, 55.1,
    ],
    ("production", "in"): [
        52.5, 50.4, 48.5, 49.9, 50.4, 48.4, 54.6, 51.3, 50.2, 48.5, 45.9, 44.8, 49.8, 46.2, 46.8, 50.3, 52.5,
    ],
    ("nm-pmi", "pm"): [
        53.6, 51.8, 52.7, 50.6, 53.4, 52.6, 51.4, 49.4, 53.8, 48.8, 51.4, 51.5, 54.9, 56.0, 52.1, 54.0, 52.8,
    ],
    ("nm-busact", "in"): [
        58.8, 54.1, 55.1, 56.6, 55.8, 57.2, 57.4, 50.9, 61.2, 49.6, 54.5, 53.3, 59.9, 57.2, 53.7, 58.2, 54.5,
    ],
    ("nm-neword", "in"): [
        51.8, 55.5, 55.5, 52.8, 55.0, 56.1, 54.4, 52.2, 54.1, 47.3, 52.4, 53.0, 59.4, 57.4, 53.7, 54.2, 51.3,
    ],
}  # fmt: skip
ISM_NAMES = {
    ("pmi", "pm"): ("Manufacturing PMI", "PMI® – Manufacturing"),
    ("neword", "in"): ("Manufacturing New Orders", "New Orders – Index"),
    ("production", "in"): ("Manufacturing Production", "Production – Index"),
    ("nm-pmi", "pm"): ("Services PMI", "PMI® – Services"),
    ("nm-busact", "in"): ("Services Business Activity", "Business Activity – Index"),
    ("nm-neword", "in"): ("Services New Orders", "New Orders – Index"),
}

# --- Consensus (user-maintained file; seed) ------------------------------------------------------
# (release, first period, values from that month on). The January 2025 values (December 2024 for
# JOLTS) are the consensus figures quoted for the episode; all earlier months are synthetic.
CONSENSUS = {
    "NFP_CHANGE": (m("2024-01"), [180, 200, 200, 240, 185, 190, 175, 165, 150, 110, 200, 165, 169]),
    "UNRATE": (m("2024-01"), [3.8, 3.7, 3.9, 3.8, 3.9, 4.0, 4.1, 4.2, 4.2, 4.1, 4.2, 4.2, 4.1]),
    "ADP_CHANGE": (m("2024-01"), [145, 150, 148, 175, 175, 160, 150, 145, 120, 115, 150, 140, 150]),
    "JOLTS_OPENINGS": (m("2023-12"), [8.75, 8.9, 8.75, 8.69, 8.34, 7.91, 8.0, 8.1, 7.65, 8.0, 7.48, 7.7, 8.0]),
    "ISM_MFG_PMI": (m("2024-01"), [47.2, 49.5, 48.4, 50.0, 49.6, 49.1, 48.8, 47.5, 47.5, 47.6, 47.5, 48.4, 49.8]),
    "ISM_SERVICES_PMI": (m("2024-01"), [52.0, 53.0, 52.7, 52.0, 50.8, 52.5, 51.0, 51.1, 51.7, 53.8, 55.5, 53.5, 54.3]),
}
EPISODE_PERIODS = {
    "NFP_CHANGE": m("2025-01"),
    "UNRATE": m("2025-01"),
    "ADP_CHANGE": m("2025-01"),
    "JOLTS_OPENINGS": m("2024-12"),
    "ISM_MFG_PMI": m("2025-01"),
    "ISM_SERVICES_PMI": m("2025-01"),
}


def main() -> None:
    """Regenerate every macro demo file."""
    rng = random.Random(20250207)
    fred = REPLAY_DIR / "fred_macro"
    payems, es_vintages = payems_snapshots()
    _write_series(fred, "PAYEMS", payems, fmt="{:.0f}")
    _write_series(fred, "UNRATE", unrate_snapshots(), fmt="{:.1f}")
    _write_series(fred, "UNEMPLOY", unemploy_snapshots(rng), fmt="{:.0f}")
    _write_series(fred, "JTSJOL", jolts_snapshots(), fmt="{:.0f}")
    _write_series(fred, "ADPMNUSNERSA", adp_snapshots(), fmt="{:.0f}")
    claims, claim_days = claims_snapshots(rng)
    _write_series(fred, "ICSA", claims, fmt="{:.0f}")
    _write_release_dates(fred, 50, es_vintages)
    _write_release_dates(fred, 192, [v[0] for v in JOLTS.values()])
    _write_release_dates(fred, 194, [v[0] for v in ADP.values()])
    _write_release_dates(fred, 180, claim_days)
    for key, values in ISM.items():
        _write_dbnomics(REPLAY_DIR / "ism", key, values)
    _write_consensus(SEED_DIR / "consensus.csv")


# A snapshot maps each vintage date to the full {period: value} the source published that day.
Snapshots = dict[date, dict[date, float]]


def payems_snapshots() -> tuple[Snapshots, list[date]]:
    """PAYEMS levels per Employment Situation vintage, built from the change table."""
    snapshots: Snapshots = {}
    days = sorted(ES_DATES.values())
    for day in days:
        known = [p for p in MONTHS if ES_DATES[p] <= day]
        base = PAYEMS_AUG_2023
        changes = {}
        for p in known:
            age = days.index(day) - days.index(ES_DATES[p])
            first, second, third = NFP[p]
            change = first if age == 0 else second if age == 1 else third
            if day >= BENCHMARK_DAY:
                if p <= m("2024-03"):
                    change += BENCHMARK_PER_MONTH
                elif p == m("2024-10"):
                    change = 44
            changes[p] = change
        if day >= BENCHMARK_DAY:
            base += BENCHMARK_TOTAL - BENCHMARK_PER_MONTH * sum(1 for p in known if p <= m("2024-03"))
        level, snapshot = base, {}
        for p in known:
            level += changes[p]
            snapshot[p] = float(level)
        snapshots[day] = snapshot
    return snapshots, days


def unrate_snapshots() -> Snapshots:
    return {ES_DATES[p]: {q: UNRATE[q] for q in MONTHS if q <= p} for p in MONTHS}


def unemploy_snapshots(rng: random.Random) -> Snapshots:
    levels = {}
    for i, p in enumerate(MONTHS):
        if p in UNEMPLOY_FIXED:
            levels[p] = float(UNEMPLOY_FIXED[p])
        else:
            labour_force = 167_600 + 45 * i
            levels[p] = float(round((UNRATE[p] + rng.uniform(-0.04, 0.04)) / 100 * labour_force))
    return {ES_DATES[p]: {q: levels[q] for q in MONTHS if q <= p} for p in MONTHS}


def jolts_snapshots() -> Snapshots:
    snapshots: Snapshots = {}
    periods = sorted(JOLTS)
    for i, p in enumerate(periods):
        day = JOLTS[p][0]
        snapshot = {}
        for j, q in enumerate(periods[: i + 1]):
            _, first, revised = JOLTS[q]
            snapshot[q] = float(first if j == i or revised is None else revised)
        snapshots[day] = snapshot
    return snapshots


def adp_snapshots() -> Snapshots:
    snapshots: Snapshots = {}
    periods = sorted(ADP)
    for i, p in enumerate(periods):
        day = ADP[p][0]
        level, snapshot = ADP_AUG_2023, {}
        for j, q in enumerate(periods[: i + 1]):
            _, first, revised = ADP[q]
            level += 1000 * (first if j == i or revised is None else revised)
            snapshot[q] = float(level)
        snapshots[day] = snapshot
    return snapshots


def claims_snapshots(rng: random.Random) -> tuple[Snapshots, list[date]]:
    """Synthetic weekly initial claims: advance figure on the Thursday after the week, revised a week later."""
    weeks = []
    week = date(2023, 9, 2)  # a Saturday
    while week + timedelta(days=5) <= REALTIME_END:
        weeks.append(week)
        week += timedelta(days=7)
    advance = {w: float(round(rng.gauss(222_000, 9_000), -3)) for w in weeks}
    revised = {w: advance[w] + float(rng.choice([-3000, -2000, -1000, 0, 1000, 2000, 3000])) for w in weeks}
    snapshots: Snapshots = {}
    days = []
    for i, w in enumerate(weeks):
        day = w + timedelta(days=5)
        if day in fed_holidays(day.year):
            day -= timedelta(days=1)  # a holiday Thursday moves the release to Wednesday
        days.append(day)
        snapshots[day] = {q: (advance[q] if j == i else revised[q]) for j, q in enumerate(weeks[: i + 1])}
    return snapshots, days


def realtime_rows(snapshots: Snapshots, fmt: str) -> list[dict[str, str]]:
    """ALFRED output_type=1 rows: one per period and span of days over which its value held."""
    days = sorted(snapshots)
    periods = sorted({p for s in snapshots.values() for p in s})
    rows = []
    for p in periods:
        spans: list[list] = []  # [start, end, value]
        for i, day in enumerate(days):
            if p not in snapshots[day]:
                continue
            value = snapshots[day][p]
            end = days[i + 1] - timedelta(days=1) if i + 1 < len(days) else REALTIME_END
            if spans and spans[-1][2] == value:
                spans[-1][1] = end
            else:
                spans.append([day, end, value])
        for start, end, value in spans:
            rows.append(
                {
                    "realtime_start": start.isoformat(),
                    "realtime_end": end.isoformat(),
                    "date": p.isoformat(),
                    "value": fmt.format(value),
                }
            )
    return rows


def _write_series(folder: Path, series_id: str, snapshots: Snapshots, fmt: str) -> None:
    rows = realtime_rows(snapshots, fmt)
    document = {
        "realtime_start": REALTIME_START.isoformat(),
        "realtime_end": REALTIME_END.isoformat(),
        "observation_start": REALTIME_START.isoformat(),
        "observation_end": "9999-12-31",
        "units": "lin",
        "output_type": 1,
        "file_type": "json",
        "order_by": "observation_date",
        "sort_order": "asc",
        "count": len(rows),
        "offset": 0,
        "limit": 100000,
        "observations": rows,
    }
    _dump(folder / "series" / f"{series_id}.json", document)


def _write_release_dates(folder: Path, release_id: int, days: list[date]) -> None:
    items = [{"release_id": release_id, "date": d.isoformat()} for d in sorted(set(days))]
    document = {
        "realtime_start": REALTIME_START.isoformat(),
        "realtime_end": REALTIME_END.isoformat(),
        "order_by": "release_date",
        "sort_order": "asc",
        "count": len(items),
        "offset": 0,
        "limit": 10000,
        "release_dates": items,
    }
    _dump(folder / "release_dates" / f"{release_id}.json", document)


def _write_dbnomics(folder: Path, key: tuple[str, str], values: list[float]) -> None:
    dataset, code = key
    dataset_name, series_name = ISM_NAMES[key]
    publication = "ISM_SERVICES" if dataset.startswith("nm-") else "ISM_MANUFACTURING"
    last_release = ism_release_date(publication, MONTHS[-1])
    doc = {
        "@frequency": "monthly",
        "dataset_code": dataset,
        "dataset_name": dataset_name,
        "dimensions": {},
        "indexed_at": f"{last_release.isoformat()}T16:12:05.000Z",
        "period": [p.strftime("%Y-%m") for p in MONTHS],
        "period_start_day": [p.isoformat() for p in MONTHS],
        "provider_code": "ISM",
        "series_code": code,
        "series_name": series_name,
        "value": values,
    }
    document = {
        "_meta": {"args": {"observations": "1", "metadata": "false"}, "version": "22.1.4"},
        "series": {"docs": [doc], "limit": 1000, "num_found": 1, "offset": 0},
    }
    _dump(folder / dataset / f"{code}.json", document)


def _write_consensus(path: Path) -> None:
    lines = ["release,period,consensus,source"]
    for release, (start, values) in CONSENSUS.items():
        period = start
        for value in values:
            origin = "episode consensus (public)" if period == EPISODE_PERIODS[release] else "synthetic"
            lines.append(f"{release},{period:%Y-%m},{value:g},{origin}")
            period = date(period.year + (period.month == 12), period.month % 12 + 1, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _dump(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
