"""Tariff extraction: a corpus of varied documents, the FR + White House merge, and the rules' details."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from regime_radar import catalog
from regime_radar.tariffs.extract import (
    ACTIONS,
    Document,
    extract_actions,
    extract_from_documents,
    group_instruments,
    split_sentences,
)

CORPUS_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "tariffs" / "corpus.yaml"

# Every corpus document, by what it tests. The corpus file holds the texts and the expected actions.
IMPOSITIONS = [
    "imp_canada_ieepa",
    "imp_mexico",
    "imp_china_prc",
    "imp_steel_232_proclamation",
    "imp_hts_chapter_japan",
    "imp_multi_partner",
    "imp_two_rates_two_clauses",
    "imp_carve_out_is_not_a_scope",
]
INCREASES_AND_DECREASES = [
    "inc_amend_percent_china",
    "inc_amend_percent_without_the_order",
    "inc_from_to_aluminum",
    "inc_section301_notice",
    "dec_china",
]
PAUSES_AND_RESUMPTIONS = [
    "pause_canada_until",
    "pause_amend_date_mexico",
    "pause_without_the_paused_order",
    "pause_suspend_japan",
    "resume_mexico",
]
EXEMPTIONS = ["exempt_canada_chapter_27", "exempt_semiconductors_china", "exempt_outside_our_scopes"]
REVOCATIONS = ["revoke_order_by_number", "revoke_duties_named_in_text", "revoke_unknown_target"]
CORRECTIONS = ["correction_by_title", "correction_by_type"]
STATEMENTS_OF_INTENT = [
    "intent_steel_aluminum",
    "intent_autos_chips_pharma",
    "intent_copper_without_rate",
    "intent_on_a_partner",
]
NEGATIVES = [
    "neg_america_first_trade_policy",
    "neg_colombia_held_in_reserve",
    "neg_gulf_of_mexico",
    "neg_nomination_of_the_trade_representative",
    "neg_davos_conditional",
    "neg_threat_if_retaliation",
    "neg_negated_intent",
    "neg_special_301_review",
    "neg_antidumping_review_notice",
    "neg_past_tense_recital",
    "neg_proposed_action",
    "neg_energy_resources_and_trade",
    "neg_fact_sheet_of_an_order",
    "neg_copper_investigation",
    "neg_reciprocal_trade_memorandum",
    "neg_amendment_of_another_date",
    "neg_revocation_of_an_unrelated_order",
    "neg_percent_amendment_outside_trade",
]
ALL_CASES = (
    IMPOSITIONS
    + INCREASES_AND_DECREASES
    + PAUSES_AND_RESUMPTIONS
    + EXEMPTIONS
    + REVOCATIONS
    + CORRECTIONS
    + STATEMENTS_OF_INTENT
    + NEGATIVES
)


@cache
def corpus() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(CORPUS_FILE.read_text(encoding="utf-8"))["documents"]


def document_row(case: str) -> dict[str, Any]:
    spec = corpus()[case]
    feed = spec.get("feed", "federal_register")
    published = spec.get("published_on") or spec.get("signed_on") or date(2025, 2, 1)
    return {
        "doc_id": f"{feed}:{case}",
        "feed": feed,
        "document_number": spec.get("document_number"),
        "eo_number": spec.get("eo_number"),
        "title": spec["title"],
        "doc_type": spec.get("doc_type", "executive_order"),
        "signed_on": spec.get("signed_on"),
        "published_on": published,
        "url": f"https://example.test/{case}",
        "body_text": spec["body"],
        "available_at": datetime.combine(published, datetime.min.time(), tzinfo=UTC),
        "ingested_at": datetime(2025, 3, 1, tzinfo=UTC),
    }


def actions_of(case: str) -> pd.DataFrame:
    """The actions one corpus document yields, extracted together with the documents it refers to."""
    cases = [*corpus()[case].get("with", []), case]
    actions = extract_actions(pd.DataFrame([document_row(c) for c in cases]))
    mine = [
        any(d["doc_id"].endswith(f":{case}") for d in json.loads(evidence)["documents"])
        for evidence in actions["evidence"]
    ]
    return actions[mine].reset_index(drop=True)


def test_the_corpus_covers_every_kind_of_document() -> None:
    assert len(ALL_CASES) == len(set(ALL_CASES)) >= 25
    assert sorted(ALL_CASES) == sorted(corpus()), "every corpus document is listed in exactly one group"
    expected_actions = {e["action"] for case in ALL_CASES for e in corpus()[case]["expect"]}
    assert expected_actions == set(ACTIONS)
    assert len(NEGATIVES) >= 10


@pytest.mark.parametrize("case", ALL_CASES)
def test_each_document_yields_exactly_its_actions(case: str) -> None:
    expected = corpus()[case]["expect"]
    actions = actions_of(case)
    got = {(r.action, r.partner, r.scope): r for r in actions.itertuples()}
    assert sorted(got) == sorted((e["action"], e["partner"], e["scope"]) for e in expected), case
    for e in expected:
        row = got[(e["action"], e["partner"], e["scope"])]
        if "rate_pct" in e:
            assert row.rate_pct == pytest.approx(e["rate_pct"])
        elif e["action"] in ("pause", "resume", "exempt", "revoke", "announce_intent"):
            assert pd.isna(row.rate_pct)
        for key in ("modifies", "authority"):
            if key in e:
                assert getattr(row, key) == e[key], key
        for key in ("effective_at", "expires_at"):
            if key in e:
                assert getattr(row, key) == pd.Timestamp(e[key]), key
        if "max_confidence" in e:
            assert row.confidence <= e["max_confidence"]
        assert 0.0 < row.confidence <= 1.0
        evidence = json.loads(row.evidence)
        assert evidence["sentences"]["action"], "every action keeps the sentence it came from"


def test_a_sentence_evidences_each_value() -> None:
    actions = actions_of("imp_canada_ieepa")
    energy = actions[actions["scope"] == "energy"].iloc[0]
    sentences = json.loads(energy["evidence"])["sentences"]
    assert "10 percent" in sentences["rate_pct"]
    assert "energy or energy resources" in sentences["scope"]
    assert "products of Canada" in sentences["partner"]  # the partner is the document's, from its own sentence
    assert "12:01 a.m. eastern time on February 4, 2025" in sentences["effective_at"]
    assert "International Emergency Economic Powers Act" in sentences["authority"]
    main = actions[actions["scope"] == "all_goods"].iloc[0]
    assert main["confidence"] > energy["confidence"], "a partner read in the sentence beats one inferred"


def test_output_conforms_to_the_catalog() -> None:
    actions = actions_of("pause_canada_until")
    table = catalog.conform("tariff_actions", actions)
    assert table.num_rows == 3
    assert table.column("action_id").null_count == 0
    assert len(set(actions["action_id"])) == 3


def test_empty_input_gives_an_empty_frame_with_the_columns() -> None:
    empty = extract_actions(pd.DataFrame(columns=catalog.get("policy_documents").column_names))
    assert empty.empty
    assert list(empty.columns) == catalog.get("tariff_actions").column_names


# -- one order on two feeds ---------------------------------------------------------------------------


def _order(feed: str, *, eo: str | None, number: str | None, title: str, published: date, at: datetime) -> Document:
    body = corpus()["imp_china_prc"]["body"] + "\nTHE WHITE HOUSE, February 1, 2025."
    return Document(
        doc_id=f"{feed}:{number or title}",
        feed=feed,
        title=title,
        document_number=number,
        eo_number=eo,
        doc_type="executive_order",
        signed_on=date(2025, 2, 1),
        published_on=published,
        url=f"https://{feed}.example/{number or 'wh'}",
        body_text=body,
        available_at=at,
        ingested_at=datetime(2025, 2, 8, tzinfo=UTC),
    )


FR_AT = datetime(2025, 2, 7, 13, 45, tzinfo=UTC)
WH_AT = datetime(2025, 2, 1, 22, 7, tzinfo=UTC)
FR_TITLE = "Imposing Duties To Address the Synthetic Opioid Supply Chain in the People's Republic of China"
WH_TITLE = "Imposing Duties to Address the Synthetic Opioid Supply Chain in the People’s Republic of China"


def test_both_feeds_of_one_order_merge_into_one_action_with_the_earliest_available_at() -> None:
    fr = _order(
        "federal_register", eo="14195", number="2025-02408", title=FR_TITLE, published=date(2025, 2, 7), at=FR_AT
    )
    wh = _order("whitehouse_actions", eo=None, number=None, title=WH_TITLE, published=date(2025, 2, 1), at=WH_AT)
    alone = extract_from_documents([fr])
    merged = extract_from_documents([fr, wh])
    assert len(merged) == 1
    action = merged[0]
    assert (action["action"], action["partner"], action["rate_pct"]) == ("impose", "CN", 10.0)
    assert action["available_at"] == WH_AT, "the White House made it public six days earlier"
    assert action["published_on"] == date(2025, 2, 7), "published_on stays the Federal Register date"
    assert action["eo_number"] == "14195" and action["document_number"] == "2025-02408"
    assert action["source_url"] == fr.url, "values come from the official text"
    assert action["action_id"] == alone[0]["action_id"], "the id does not depend on which feeds were seen"
    assert action["confidence"] > alone[0]["confidence"], "agreement of two feeds raises the confidence"
    feeds = {d["feed"] for d in json.loads(action["evidence"])["documents"]}
    assert feeds == {"federal_register", "whitehouse_actions"}


def test_versions_match_by_eo_number_even_when_titles_differ() -> None:
    fr = _order(
        "federal_register", eo="14195", number="2025-02408", title=FR_TITLE, published=date(2025, 2, 7), at=FR_AT
    )
    wh = _order(
        "whitehouse_actions", eo="14195", number=None, title="Tariffs on China", published=date(2025, 2, 1), at=WH_AT
    )
    assert len(group_instruments([fr, wh])) == 1
    assert extract_from_documents([fr, wh])[0]["available_at"] == WH_AT


def test_same_title_on_another_day_is_another_order() -> None:
    fr = _order(
        "federal_register", eo="14195", number="2025-02408", title=FR_TITLE, published=date(2025, 2, 7), at=FR_AT
    )
    other = Document(
        **{
            **fr.__dict__,
            "doc_id": "whitehouse_actions:later",
            "feed": "whitehouse_actions",
            "eo_number": None,
            "document_number": None,
            "signed_on": date(2025, 3, 3),
        }
    )
    assert len(group_instruments([fr, other])) == 2


def test_feeds_that_disagree_on_the_rate_keep_the_official_one_with_less_confidence() -> None:
    fr = _order(
        "federal_register", eo="14195", number="2025-02408", title=FR_TITLE, published=date(2025, 2, 7), at=FR_AT
    )
    wh_body = (fr.body_text or "").replace("10 percent", "15 percent")
    wh = Document(
        **{
            **fr.__dict__,
            "doc_id": "whitehouse_actions:x",
            "feed": "whitehouse_actions",
            "eo_number": None,
            "document_number": None,
            "body_text": wh_body,
            "available_at": WH_AT,
        }
    )
    alone = extract_from_documents([fr])[0]
    merged = extract_from_documents([fr, wh])
    assert len(merged) == 1
    assert merged[0]["rate_pct"] == 10.0
    assert merged[0]["confidence"] < alone["confidence"]
    assert "conflict" in json.loads(merged[0]["evidence"])


def test_a_white_house_copy_alone_is_enough() -> None:
    wh = _order("whitehouse_actions", eo=None, number=None, title=WH_TITLE, published=date(2025, 2, 1), at=WH_AT)
    (action,) = extract_from_documents([wh])
    assert action["available_at"] == WH_AT and action["signed_on"] == date(2025, 2, 1)
    assert action["eo_number"] is None and action["published_on"] == date(2025, 2, 1)


# -- the rules' details ---------------------------------------------------------------------------------


def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "including IEEPA (50 U.S.C. 1701 et seq.) and 19 U.S.C. 2483, it is hereby ordered: Sec. 2. Duties. "
        "(a) Goods entered on or after 12:01 a.m. eastern time on February 4, 2025 are covered. Mr. Smith "
        "agreed. [[Page 9114]] The end."
    )
    sentences = split_sentences(text)
    assert sentences[0].startswith("including IEEPA (50 U.S.C. 1701 et seq.) and 19 U.S.C. 2483")
    assert any(s.startswith("(a) Goods entered on or after 12:01 a.m. eastern time") for s in sentences)
    assert "Mr. Smith agreed." in sentences
    assert sentences[-1] == "The end."


def test_wrapped_federal_register_lines_are_rejoined() -> None:
    text = (
        "    (a) All articles that are products of \nCanada shall be, consistent with law, subject to an\n"
        "additional 25 percent ad valorem rate of duty."
    )
    doc = Document(
        "federal_register:x",
        "federal_register",
        "Duties on Canada",
        doc_type="executive_order",
        signed_on=date(2025, 2, 1),
        body_text=text,
        available_at=FR_AT,
    )
    (action,) = extract_from_documents([doc])
    assert (action["partner"], action["rate_pct"]) == ("CA", 25.0)


def test_a_document_of_unknown_kind_acts_only_when_its_text_is_an_order() -> None:
    sentence = (
        "All articles that are products of Mexico shall be subject to an additional 25 percent ad valorem rate of duty."
    )
    plain = Document(
        "whitehouse_actions:a",
        "whitehouse_actions",
        "News",
        doc_type="presidential_action",
        signed_on=date(2025, 2, 1),
        body_text=sentence,
        available_at=WH_AT,
    )
    order = Document(
        "whitehouse_actions:b",
        "whitehouse_actions",
        "Order",
        doc_type="presidential_action",
        signed_on=date(2025, 2, 1),
        body_text="By the authority vested in me, it is hereby ordered: " + sentence,
        available_at=WH_AT,
    )
    assert extract_from_documents([plain]) == []
    assert [a["partner"] for a in extract_from_documents([order])] == ["MX"]


def test_a_month_named_may_is_not_a_hedge() -> None:
    text = (
        "By the authority vested in me, it is hereby ordered: All articles that are products of Brazil shall be "
        "subject to an additional 10 percent ad valorem rate of duty, effective May 2, 2025."
    )
    doc = Document(
        "federal_register:m",
        "federal_register",
        "Duties on Brazil",
        doc_type="executive_order",
        signed_on=date(2025, 4, 2),
        body_text=text,
        available_at=FR_AT,
    )
    (action,) = extract_from_documents([doc])
    assert action["partner"] == "BR"
    assert action["effective_at"] == datetime(2025, 5, 2, 4, 0, tzinfo=UTC)
