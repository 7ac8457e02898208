from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from regime_radar.alerts import render
from regime_radar.alerts.chart import rebased_lines
from regime_radar.config import Settings, load_settings

SHOCK_DAY = date(2025, 1, 27)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(warehouse_url=str(tmp_path / "wh"), ui_base_url="http://airflow.test:8080")


def _change(day: date, flag: str, regime: str, level: str, previous: str | None, drivers: object, evidence: object,
            score: float = 0.5) -> dict:  # fmt: skip
    return {
        "date": day,
        "regime": regime,
        "flag": flag,
        "level": level,
        "previous_level": previous,
        "score": score,
        "drivers": drivers if isinstance(drivers, str) else json.dumps(drivers),
        "evidence": evidence if isinstance(evidence, str) else json.dumps(evidence),
        "rule_version": "test",
    }


SHOCK = _change(
    SHOCK_DAY,
    "ai_capex_shock",
    "ai_capex",
    "red",
    "green",
    {"NVDA_ret": -0.1697, "SMH_ret": -0.098, "QQQ_ret": -0.029, "basket_z": -4.2},
    [{"label": "DeepSeek-R1 release", "url": "https://api-docs.deepseek.com/news/news250120"}],
    score=0.93,
)
COMPOSITE = _change(SHOCK_DAY, "composite", "composite", "amber", "green", {"regimes_red": 1}, [], score=0.95)


def _prices(days: pd.DatetimeIndex, paths: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {"symbol": symbol, "date": day.date(), "close": value, "adj_close": value}
        for symbol, values in paths.items()
        for day, value in zip(days, values, strict=True)
    ]
    return pd.DataFrame(rows)


def _demo_prices() -> pd.DataFrame:
    days = pd.bdate_range(end=SHOCK_DAY, periods=80)
    flat = [100.0] * 80
    return _prices(days, {"NVDA": [*flat[:-1], 83.0], "SMH": [*flat[:-1], 90.2], "QQQ": [*flat[:-1], 97.1]})


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]
        self.srcs += [v or "" for k, v in attrs if k == "src"]


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def test_one_digest_lists_every_change_of_the_day_and_leads_with_the_worst(settings: Settings) -> None:
    changes = pd.DataFrame([COMPOSITE, SHOCK])
    alert = render.flag_digest(changes, _demo_prices(), settings, run_id="scheduled__2025-01-27T22:00:00+00:00")

    assert alert.kind == "flag_change"
    assert alert.alert_id == "flag_change:ai_capex_shock+composite:red:2025-01-27"
    assert alert.subject == "[RED] AI-capex shock 2025-01-27: NVDA −17.0%, SMH −9.8% vs QQQ −2.9% (+1 more)"
    for part in (alert.text, alert.html):
        assert "AI-capex shock" in part and "Composite regime" in part
        assert "−17.0%" in part and "DeepSeek-R1 release" in part
        assert "http://airflow.test:8080/regime-radar/" in part
    assert "green → RED" in alert.text and "green → AMBER" in alert.text
    tags = _parse(alert.html)
    assert "https://api-docs.deepseek.com/news/news250120" in tags.hrefs
    assert "http://airflow.test:8080/dags/risk/runs/scheduled__2025-01-27T22:00:00%2B00:00" in tags.hrefs
    assert [m["flag"] for m in alert.meta["flags"]] == ["ai_capex_shock", "composite"]


def test_digest_carries_the_chart_inline_and_references_it_by_content_id(settings: Settings) -> None:
    alert = render.flag_digest(pd.DataFrame([SHOCK]), _demo_prices(), settings)
    assert alert.subject == "[RED] AI-capex shock 2025-01-27: NVDA −17.0%, SMH −9.8% vs QQQ −2.9%"
    ((cid, png),) = alert.images.items()
    assert png.startswith(PNG_MAGIC) and len(png) > 5_000
    assert _parse(alert.html).srcs == [f"cid:{cid}"]

    no_prices = render.flag_digest(pd.DataFrame([SHOCK]), _demo_prices().iloc[0:0], settings)
    assert no_prices.images == {}
    assert "cid:" not in no_prices.html


def test_flag_digests_sends_one_email_per_risk_day(settings: Settings) -> None:
    tariff = _change(date(2025, 2, 3), "tariff_escalation", "tariff", "red", "amber", {"rate_pct": 25}, [])
    alerts = render.flag_digests(pd.DataFrame([tariff, SHOCK, COMPOSITE]), _demo_prices(), settings)
    assert [a.meta["date"] for a in alerts] == ["2025-01-27", "2025-02-03"]
    assert [len(a.meta["flags"]) for a in alerts] == [2, 1]
    with pytest.raises(ValueError, match="one risk day"):
        render.flag_digest(pd.DataFrame([tariff, SHOCK]), _demo_prices(), settings)


@pytest.mark.parametrize(
    ("drivers", "headline"),
    [
        ({"rate_pct": 25, "partners": 3, "note": "x"}, "Tariff escalation 2025-02-03: rate_pct 25, partners 3"),
        ({"headline": "25% on CA and MX, 10% on CN"}, "Tariff escalation 2025-02-03: 25% on CA and MX, 10% on CN"),
        ({"NVDA_ret": 0.05}, "Tariff escalation 2025-02-03: NVDA +5.0%"),
        ({}, "Tariff escalation 2025-02-03: amber → red"),
        ("not json", "Tariff escalation 2025-02-03: amber → red"),
    ],
)
def test_headline_degrades_gracefully_without_return_drivers(
    settings: Settings, drivers: object, headline: str
) -> None:
    change = _change(date(2025, 2, 3), "tariff_escalation", "tariff", "red", "amber", drivers, [])
    alert = render.flag_digest(pd.DataFrame([change]), _demo_prices().iloc[0:0], settings)
    assert alert.subject == f"[RED] {headline}"


def test_every_piece_of_feed_text_is_escaped_in_the_html(settings: Settings) -> None:
    hostile = _change(
        SHOCK_DAY,
        "ai_capex_shock",
        "ai_capex",
        "red",
        "green",
        {"<img src=x onerror=alert(1)>": "<b>bold</b>", "NVDA_ret": -0.17},
        [
            {"label": "<script>alert('title')</script>", "url": 'https://example.com/a?b="><script>x</script>'},
            {"label": "click", "url": "javascript:alert(1)"},
            "<script>plain()</script>",
        ],
    )
    alert = render.flag_digest(pd.DataFrame([hostile]), _demo_prices().iloc[0:0], settings)
    tags = _parse(alert.html)
    assert "script" not in tags.tags and "img" not in tags.tags
    assert tags.tags.count("b") == 1  # the flag name; the driver's <b> stays text
    assert all(h.startswith(("http://", "https://")) for h in tags.hrefs)
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in alert.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in alert.html
    assert "https://example.com/a?b=&quot;&gt;&lt;script&gt;x&lt;/script&gt;" in alert.html
    # The plain-text part keeps the text as it is: nothing there is interpreted.
    assert "<script>alert('title')</script>" in alert.text


def test_rebased_lines_are_point_in_time_and_equal_weighted() -> None:
    days = pd.bdate_range("2025-01-02", periods=10)
    prices = _prices(
        days,
        {
            "NVDA": [100.0 + 10 * i for i in range(10)],  # +90% by the last day
            "AVGO": [50.0] * 10,  # flat
            "QQQ": [200.0 + i for i in range(10)],
            "XYZ": [1.0] * 10,  # not in the basket or the market list
        },
    )
    asof = days[7].date()
    lines = rebased_lines(prices, asof, sessions=5)
    assert list(lines.columns) == ["basket", "QQQ"]
    assert list(lines.index) == [d.date() for d in days[3:8]]
    assert lines["basket"].iloc[0] == pytest.approx(100.0)
    # NVDA 130 -> 170 (+30.8%), AVGO flat: the equal-weight basket is their average.
    assert lines["basket"].iloc[-1] == pytest.approx((170 / 130 * 100 + 100) / 2)
    assert lines["QQQ"].iloc[-1] == pytest.approx(207 / 203 * 100)


def test_quality_alert_names_dataset_window_failures_and_docs(settings: Settings) -> None:
    failed = [
        {
            "expectation": "expect_column_values_to_be_between",
            "column": "close",
            "severity": "critical",
            "unexpected_count": 3,
            "sample": [-1.0, 0.0, "<script>bad()</script>"],
            "description": "prices are positive",
        },
        {"expectation": "expect_column_values_to_not_be_null", "column": "volume", "severity": "warning",
         "unexpected_count": 1},
    ]  # fmt: skip
    alert = render.quality_alert(
        "prices_daily", "2025-01-01..2025-01-31", failed, "http://docs.test/prices_daily/index.html", settings
    )
    assert alert.kind == "data_quality"
    assert alert.alert_id == "data_quality:prices_daily:critical:2025-01-01..2025-01-31"
    assert alert.subject == "[DATA] prices_daily batch quarantined (2025-01-01..2025-01-31): 2 failed expectation(s)"
    for part in (alert.text, alert.html):
        assert "expect_column_values_to_be_between" in part and "expect_column_values_to_not_be_null" in part
        assert "close" in part and "volume" in part and "prices are positive" in part
    assert "http://docs.test/prices_daily/index.html" in _parse(alert.html).hrefs
    assert "script" not in _parse(alert.html).tags

    warning_only = render.quality_alert("prices_daily", "w", failed[1:], None, settings)
    assert warning_only.alert_id == "data_quality:prices_daily:warning:w"


def test_pause_expiry_reminder_states_partner_rate_date_and_source(settings: Settings) -> None:
    alert = render.pause_expiry("CA", "all", date(2025, 3, 4), 25.0, "2025-02406", date(2025, 2, 26), settings)
    assert alert.kind == "pause_expiry"
    assert alert.alert_id == "pause_expiry:CA-all:reminder:2025-03-04"
    assert alert.subject == "[REMINDER] Canada all tariff pause ends 2025-03-04 (in 6 days): 25% would take effect"
    for part in (alert.text, alert.html):
        assert "Canada (CA)" in part and "25%" in part and "2025-03-04" in part and "2025-02406" in part
    assert "https://www.federalregister.gov/d/2025-02406" in _parse(alert.html).hrefs

    tomorrow = render.pause_expiry("MX", "all", date(2025, 3, 4), None, "eo-1", date(2025, 3, 3), settings)
    assert "(tomorrow)" in tomorrow.subject and "the paused tariff would take effect" in tomorrow.subject
    assert "href" not in tomorrow.html.split("Source action")[1].split("</tr>")[0]
