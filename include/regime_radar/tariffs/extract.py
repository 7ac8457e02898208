"""Policy documents to tariff actions: rules over sentences, precise before clever.

How a document is read:

- Versions of one order on several feeds (the Federal Register copy, the White House copy) are one
  *instrument*: matched by executive-order number, else by normalised title and signing date. Its
  actions carry the earliest `available_at` of any version; values come from the Federal Register
  copy when it has them (the official text), and agreement between copies raises the confidence.
- Only legal instruments (orders, proclamations, memoranda, agency notices and rules) can impose,
  increase, decrease, pause, resume, exempt or revoke. Fact sheets, remarks and statements can only
  announce intent. Corrections and trade-remedy notices on single firms (antidumping,
  countervailing) carry no action.
- A sentence counts only when it mentions duties (or names the order it changes), says what it does
  with a present or future legal verb ("shall be subject to", "is hereby revoked") and is not hedged
  (if, unless, may, proposed, recommend...). A rate-setting action also needs exactly one rate (or
  one per clause). A recital in the past tense ("I imposed ...") is not an action. An amendment that
  swaps a date is a delayed start (a pause) only when the date it replaces is the amended order's
  effective date; a bare reference to an order we do not know sets nothing.
- The partner comes from a "products of / imports from / tariffs on <partner>" phrase in the
  sentence, else from the document when it names exactly one, else a sector-only order is about
  all partners (ALL). A pause, revocation, exemption or amendment that names the order it changes
  (`modifies`) applies to the partners and scopes that order set, narrowed by any the sentence names.

Every value keeps the sentence it came from in `evidence` (JSON), and each action a `confidence`
in 0..1: 0.9 when partner and rate come from the sentence itself, less when inferred.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from regime_radar.tariffs.lexicon import Lexicon, load_lexicon

if TYPE_CHECKING:
    import pandas as pd

NEW_YORK = ZoneInfo("America/New_York")
ACTIONS = ("impose", "increase", "decrease", "pause", "resume", "exempt", "revoke", "announce_intent")
RATE_ACTIONS = frozenset({"impose", "increase", "decrease"})
REFERENCE_ACTIONS = frozenset({"increase", "decrease", "pause", "resume", "exempt", "revoke"})
ALL_PARTNERS = "ALL"
ALL_GOODS = "all_goods"
FEED_PRIORITY = {"federal_register": 0, "whitehouse_actions": 1}
OUTPUT_COLUMNS = (
    "action_id",
    "document_number",
    "eo_number",
    "title",
    "action",
    "partner",
    "scope",
    "rate_pct",
    "signed_on",
    "published_on",
    "effective_at",
    "expires_at",
    "authority",
    "modifies",
    "source_url",
    "evidence",
    "confidence",
    "available_at",
    "ingested_at",
)

# Confidence of an action by how its partner was found; authority and a second agreeing feed add a little.
CONFIDENCE = {"sentence": 0.9, "all": 0.85, "reference": 0.85, "document": 0.75, "fallback": 0.6, "intent": 0.6}
AUTHORITY_BONUS = 0.05
AGREEMENT_BONUS = 0.05
INTENT_RATE_BONUS = 0.1
CONFLICT_PENALTY = 0.2
MAX_CONFIDENCE = 0.99
EVIDENCE_CHARS = 600

_MONTH_NAMES = "january february march april may june july august september october november december"
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES.split(), 1)}
_DATE_RE = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2}),?\s+(\d{4})\b", re.IGNORECASE)
_TIME_RE = re.compile(r"\b(\d{1,2}):(\d{2})\s*([ap])\.?\s?m\.?", re.IGNORECASE)
_EO_REF_RE = re.compile(r"\bExecutive\s+Order\s+(?:No\.\s*)?(\d{5})\b", re.IGNORECASE)
_PROCLAMATION_REF_RE = re.compile(r"\bProclamation\s+(?:No\.\s*)?(\d{4,5})\b", re.IGNORECASE)
_DOC_REF_RE = re.compile(r"\bFR\s+Doc\.?\s+(?:No\.?\s*)?(\d{4}-\d{5})\b", re.IGNORECASE)
_PAGE_MARK_RE = re.compile(r"\[\[Page\s+\d+\]\]")
_CONSTRUCT_RE = re.compile(
    r"\b(?:products?|articles?|goods|imports?|exports?|merchandise|originating|tariffs?|dut(?:y|ies))"
    r"(?:\s+[\w,'-]+){0,3}?\s+(?:of|from|in|on)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_PARTNER_JOIN_RE = re.compile(r"^\s*(?:\([A-Z]{2,5}\))?\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)(?:the\s+)?$")
_CLAUSE_SPLIT_RE = re.compile(
    r";|,?\s+and\s+(?=(?:an?\s+|the\s+)?(?:additional\s+)?(?:\d{1,3}(?:\.\d+)?\s*(?:percent|%)))", re.IGNORECASE
)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"”']?\s+(?=[\"“(\[A-Z])")
_PLACEHOLDER = "\x00"


# -- documents and instruments ------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One policy_documents row, with plain Python values."""

    doc_id: str
    feed: str
    title: str
    document_number: str | None = None
    eo_number: str | None = None
    doc_type: str | None = None
    signed_on: date | None = None
    published_on: date | None = None
    url: str | None = None
    body_text: str | None = None
    available_at: datetime | None = None
    ingested_at: datetime | None = None


@dataclass
class Instrument:
    """One order as seen on one or more feeds."""

    versions: list[Document] = field(default_factory=list)

    def _first(self, attr: str) -> Any:
        return next((getattr(v, attr) for v in self.versions if getattr(v, attr) not in (None, "")), None)

    @property
    def eo_number(self) -> str | None:
        return self._first("eo_number")

    @property
    def document_number(self) -> str | None:
        return self._first("document_number")

    @property
    def title(self) -> str:
        return self._first("title") or ""

    @property
    def signed_on(self) -> date | None:
        return self._first("signed_on")

    @property
    def published_on(self) -> date | None:
        """The Federal Register publication date once there is one, else the earliest feed's date."""
        official = [v.published_on for v in self.versions if v.feed == "federal_register" and v.published_on]
        if official:
            return min(official)
        dates = [v.published_on for v in self.versions if v.published_on]
        return min(dates) if dates else None

    @property
    def available_at(self) -> datetime | None:
        times = [v.available_at for v in self.versions if v.available_at is not None]
        return min(times) if times else None

    @property
    def ingested_at(self) -> datetime | None:
        times = [v.ingested_at for v in self.versions if v.ingested_at is not None]
        return max(times) if times else None

    @property
    def key(self) -> str:
        """A stable identity: the EO number, else the FR document number, else title and signing date."""
        if self.eo_number:
            return f"eo:{self.eo_number}"
        if self.document_number:
            return f"doc:{self.document_number}"
        if self.signed_on:
            return f"title:{normalise_title(self.title)}:{self.signed_on.isoformat()}"
        return f"id:{self.versions[0].doc_id}"

    def refs(self) -> set[str]:
        """The names other documents use for this one (EO number, FR document number)."""
        return {r for r in (self.eo_number, self.document_number) if r}


def normalise_title(title: str) -> str:
    """A title reduced to lower-case words, for matching the same order across feeds."""
    text = (title or "").lower().replace("&", " and ").replace("’", "'")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def group_instruments(documents: Sequence[Document]) -> list[Instrument]:
    """Group the versions of one order: same EO number, or same normalised title and signing date."""
    ordered = sorted(documents, key=lambda d: (FEED_PRIORITY.get(d.feed, 9), d.doc_id))
    instruments: list[Instrument] = []
    seen: set[str] = set()
    for doc in ordered:
        if doc.doc_id in seen:
            continue
        seen.add(doc.doc_id)
        match = _find_instrument(instruments, doc)
        if match is None:
            instruments.append(Instrument([doc]))
        else:
            match.versions.append(doc)
    return instruments


def _find_instrument(instruments: list[Instrument], doc: Document) -> Instrument | None:
    candidates = [i for i in instruments if doc.feed not in {v.feed for v in i.versions}]
    if doc.eo_number:
        by_number = [i for i in candidates if i.eo_number == doc.eo_number]
        if len(by_number) == 1:
            return by_number[0]
    if doc.signed_on is None:
        return None
    title = normalise_title(doc.title)
    by_title = [
        i
        for i in candidates
        if i.signed_on == doc.signed_on
        and normalise_title(i.title) == title
        and not (doc.eo_number and i.eo_number and doc.eo_number != i.eo_number)
        and not (doc.document_number and i.document_number and doc.document_number != i.document_number)
    ]
    return by_title[0] if len(by_title) == 1 else None


# -- sentences, dates, mentions --------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """Plain single-spaced text with straight apostrophes and no Federal Register page markers."""
    text = _PAGE_MARK_RE.sub(" ", text or "")
    text = text.replace("\u00ad", "").replace("’", "'").replace("‘", "'").replace("\u00a0", " ")
    return " ".join(text.split())


def split_sentences(text: str, lexicon: Lexicon | None = None) -> list[str]:
    """Sentences of a legal or plain text; abbreviations such as "U.S.C." and "a.m." do not end one."""
    lexicon = lexicon or load_lexicon()
    text = normalise_text(text)
    if not text:
        return []
    for abbreviation in lexicon.abbreviations:
        text = re.sub(
            r"(?<![\w.])" + re.escape(abbreviation),
            lambda m: m.group(0).replace(".", _PLACEHOLDER),
            text,
            flags=re.IGNORECASE,
        )
    return [s.replace(_PLACEHOLDER, ".").strip() for s in _SENTENCE_END_RE.split(text) if s.strip()]


def parse_when(text: str, start: int = 0, span: int = 120) -> tuple[datetime, tuple[int, int]] | None:
    """The first "Month D, YYYY" date in text[start:start+span], with a nearby a.m./p.m. time, as UTC."""
    window = text[start : start + span]
    match = _DATE_RE.search(window)
    if match is None:
        return None
    try:
        day = date(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2)))
    except ValueError:
        return None
    clock = time(0, 0)
    before = window[max(0, match.start() - 45) : match.start()]
    after = window[match.end() : match.end() + 25]
    earlier, later = list(_TIME_RE.finditer(before)), list(_TIME_RE.finditer(after))
    hit = earlier[-1] if earlier else (later[0] if later else None)
    if hit is not None:
        hour, minute = int(hit.group(1)) % 12, int(hit.group(2))
        if hit.group(3).lower() == "p":
            hour += 12
        clock = time(hour, minute)
    when = datetime.combine(day, clock, tzinfo=NEW_YORK).astimezone(UTC)
    return when, (start + match.start(), start + match.end())


def _after_keyword(pattern: re.Pattern[str], sentence: str) -> datetime | None:
    for match in pattern.finditer(sentence):
        found = parse_when(sentence, match.end(), 90)
        if found:
            return found[0]
    return None


def _mask(sentence: str) -> str:
    """The sentence with dates and "No." numbers blanked, so "May 2" and "No. 5" are not hedges."""
    return re.sub(r"\bNo\.\s*(?=\d)", "number ", _DATE_RE.sub("DATE", sentence))


def _rates(text: str, lexicon: Lexicon) -> list[float]:
    return [float(m.group(1)) for m in lexicon.rate_re.finditer(text)]


def _refs(text: str, own: set[str]) -> list[str]:
    found: list[tuple[int, str]] = []
    found += [(m.start(), m.group(1)) for m in _EO_REF_RE.finditer(text)]
    found += [(m.start(), f"Proclamation {m.group(1)}") for m in _PROCLAMATION_REF_RE.finditer(text)]
    found += [(m.start(), m.group(1)) for m in _DOC_REF_RE.finditer(text)]
    out: list[str] = []
    for _, ref in sorted(found):
        if ref not in own and ref not in out:
            out.append(ref)
    return out


def construct_partners(sentence: str, lexicon: Lexicon) -> list[str]:
    """Partners the sentence puts duties on: "products of X", "imports from X and Y", "tariffs on X"."""
    if lexicon.all_partners_re.search(sentence):
        return [ALL_PARTNERS]
    partners: list[str] = []
    previous_end: int | None = None
    for mention in lexicon.partners_in(sentence):
        head = sentence[: mention.start]
        linked = previous_end is not None and _PARTNER_JOIN_RE.match(sentence[previous_end : mention.start])
        same = previous_end is not None and re.fullmatch(r"\s*\(?", sentence[previous_end : mention.start])
        if _CONSTRUCT_RE.search(head[-80:]) or linked or same:
            if mention.value not in partners:
                partners.append(mention.value)
            previous_end = mention.end
        else:
            previous_end = None
    return partners


def scopes_of(sentence: str, lexicon: Lexicon) -> list[str]:
    """Scopes a sentence names, minus those carved out ("other than energy"); HTS chapters if none."""
    carved: list[tuple[int, int]] = []
    for match in lexicon.scope_exclusion_re.finditer(sentence):
        stop = re.search(r"[,;]", sentence[match.end() :])
        carved.append((match.start(), match.end() + (stop.start() if stop else len(sentence))))

    def kept(position: int) -> bool:
        return not any(a <= position < b for a, b in carved)

    named: list[str] = []
    for mention in lexicon.scopes_in(sentence):
        if kept(mention.start) and mention.value not in named:
            named.append(mention.value)
    if named:
        return named
    chapters = [f"hts:{int(m.group(1)):02d}" for m in lexicon.hts_chapter_re.finditer(sentence) if kept(m.start())]
    return list(dict.fromkeys(chapters))


# -- findings --------------------------------------------------------------------------------------


@dataclass
class Finding:
    """One action read from one sentence of one document version, before partners and scopes are final."""

    action: str
    doc: Document
    sentence: str
    partners: list[str] | None = None
    scopes: list[str] | None = None
    rate_pct: float | None = None
    old_rate: float | None = None
    effective_at: datetime | None = None
    expires_at: datetime | None = None
    authority: str | None = None
    modifies: str | None = None
    basis: str = "sentence"  # how the partner was found: sentence, all, document, reference, fallback, intent
    about_duties: bool = True  # the sentence or the title talks about duties (not only a bare reference)
    old_when: datetime | None = None  # the date an amendment replaced (a delayed start)
    evidence: dict[str, str] = field(default_factory=dict)


@dataclass
class _Context:
    """What a whole document says, for sentences that leave something out."""

    legal: bool
    own: set[str]
    authority: str | None
    authority_sentence: str | None
    effective_at: datetime | None
    effective_sentence: str | None
    partners: list[str]
    partner_sentence: str | None
    refs: list[str]


def is_excluded(doc: Document, lexicon: Lexicon) -> bool:
    """Corrections and single-firm trade remedies carry no action of ours."""
    if (doc.doc_type or "").lower() in lexicon.exclude_doc_types:
        return True
    return any(p.search(doc.title or "") for p in lexicon.exclude_title_res)


def is_legal(doc: Document, lexicon: Lexicon) -> bool:
    """Whether a document can change duties (an order, proclamation, notice) or only talk about them."""
    kind = (doc.doc_type or "").lower()
    if kind in lexicon.legal_instruments:
        return True
    if kind in ("", "presidential_action", "presidential_document"):
        return bool(lexicon.legal_marker_re.search(doc.body_text or ""))
    return False


def _context(doc: Document, sentences: list[str], lexicon: Lexicon) -> _Context:
    own = {r for r in (doc.eo_number, doc.document_number) if r}
    authority, authority_sentence = None, None
    granting = [s for s in sentences if lexicon.authority_sentence_re.search(s) and lexicon.authority_in(s)]
    for sentence in granting[:1] or [s for s in sentences if lexicon.authority_in(s)][:1]:
        authority, authority_sentence = lexicon.authority_in(sentence)[0][1], sentence
    effective_at, effective_sentence = None, None
    for sentence in sentences:
        when = _after_keyword(lexicon.effective_re, sentence)
        if when is not None:
            effective_at, effective_sentence = when, sentence
            break
    partners: list[str] = []
    partner_sentence = None
    for mention in lexicon.partners_in(doc.title or ""):
        if mention.value not in partners:
            partners.append(mention.value)
            partner_sentence = partner_sentence or f"Title: {doc.title}"
    for sentence in sentences:
        if not lexicon.duty_re.search(sentence) or lexicon.legal_hedge_re.search(_mask(sentence)):
            continue
        for partner in construct_partners(sentence, lexicon):
            if partner != ALL_PARTNERS and partner not in partners:
                partners.append(partner)
                partner_sentence = partner_sentence or sentence
    refs: list[str] = []
    for sentence in sentences:
        refs += [r for r in _refs(sentence, own) if r not in refs]
    return _Context(
        legal=is_legal(doc, lexicon),
        own=own,
        authority=authority,
        authority_sentence=authority_sentence,
        effective_at=effective_at,
        effective_sentence=effective_sentence,
        partners=partners,
        partner_sentence=partner_sentence,
        refs=refs,
    )


def read_document(doc: Document, lexicon: Lexicon | None = None) -> list[Finding]:
    """Every action one document version states, sentence by sentence."""
    return _read(doc, lexicon or load_lexicon())[0]


def _read(doc: Document, lexicon: Lexicon) -> tuple[list[Finding], list[str]]:
    """The findings of one document version and the partners the document as a whole is about."""
    if is_excluded(doc, lexicon) or not doc.body_text:
        return [], []
    sentences = split_sentences(doc.body_text, lexicon)
    context = _context(doc, sentences, lexicon)
    findings: list[Finding] = []
    for sentence in sentences:
        legal = _legal_findings(sentence, doc, context, lexicon) if context.legal else None
        if legal is not None:
            findings.extend(legal)
            continue
        findings.extend(_intent_findings(sentence, doc, lexicon))
    return findings, context.partners


def _legal_findings(sentence: str, doc: Document, ctx: _Context, lexicon: Lexicon) -> list[Finding] | None:
    """Actions a legal sentence takes; None when the sentence takes none (it may still state intent)."""
    masked = _mask(sentence)
    if lexicon.legal_hedge_re.search(masked):
        return None
    refs = _refs(sentence, ctx.own)
    about_duties = bool(lexicon.duty_re.search(masked) or lexicon.duty_re.search(doc.title or ""))
    amendment = lexicon.amendment_re.search(sentence)
    if amendment and (refs or ctx.refs):
        return _amendment(sentence, amendment, doc, ctx, refs or ctx.refs, about_duties, lexicon)
    has_duty = bool(lexicon.duty_re.search(masked))
    if not (has_duty or refs):
        return None
    action = next((name for name, pattern in lexicon.actions if pattern.search(masked)), None)
    if action is None:
        return None
    if action in RATE_ACTIONS:
        if not has_duty:
            return None
        return _rate_findings(action, sentence, doc, ctx, refs, lexicon)
    partners = construct_partners(sentence, lexicon) or None
    scopes = scopes_of(sentence, lexicon) or None
    if scopes and lexicon.scope_inclusive_re.search(sentence) and action != "exempt":
        scopes = None  # "the duties on products of Canada, including energy" means all of them
    if action == "exempt" and not scopes:
        return []  # an exemption of something outside our scopes (donations, de minimis parcels)
    finding = Finding(
        action,
        doc,
        sentence,
        partners=partners,
        scopes=scopes,
        modifies=refs[0] if refs else (ctx.refs[0] if len(ctx.refs) == 1 else None),
        about_duties=about_duties,
        evidence={"action": sentence},
    )
    if action == "pause":
        finding.expires_at = _after_keyword(lexicon.expires_re, sentence)
        if finding.expires_at is not None:
            finding.evidence["expires_at"] = sentence
    else:
        _set_effective(finding, sentence, None, lexicon)
    _set_authority(finding, sentence, ctx, lexicon)
    return [finding]


def _amendment(
    sentence: str,
    match: re.Match[str],
    doc: Document,
    ctx: _Context,
    refs: list[str],
    about_duties: bool,
    lexicon: Lexicon,
) -> list[Finding]:
    """'... is amended by deleting "X" and inserting "Y"': a rate change or a delayed start (a pause)."""
    old, new = match.group(1), match.group(2)
    old_rates, new_rates = _rates(old, lexicon), _rates(new, lexicon)
    base = {
        "doc": doc,
        "sentence": sentence,
        "partners": construct_partners(sentence, lexicon) or None,
        "scopes": scopes_of(sentence, lexicon) or None,
        "modifies": refs[0],
        "about_duties": about_duties,
        "evidence": {"action": sentence, "modifies": sentence},
    }
    if len(old_rates) == 1 and len(new_rates) == 1 and old_rates[0] != new_rates[0]:
        action = "increase" if new_rates[0] > old_rates[0] else "decrease"
        finding = Finding(action, rate_pct=new_rates[0], old_rate=old_rates[0], **base)
        finding.evidence["rate_pct"] = sentence
        _set_effective(finding, sentence, ctx, lexicon)
        _set_authority(finding, sentence, ctx, lexicon)
        return [finding]
    before, after = parse_when(old, 0, len(old)), parse_when(new, 0, len(new))
    if before and after and after[0] > before[0]:
        finding = Finding("pause", expires_at=after[0], old_when=before[0], **base)
        finding.evidence["expires_at"] = sentence
        _set_authority(finding, sentence, ctx, lexicon)
        return [finding]
    return []


def _rate_findings(
    action: str, sentence: str, doc: Document, ctx: _Context, refs: list[str], lexicon: Lexicon
) -> list[Finding]:
    """Impose / increase / decrease findings of one sentence, one per clause when it sets several rates."""
    change = lexicon.rate_change_re.search(sentence)
    if change:
        old, new = float(change.group(1)), float(change.group(2))
        if old == new:
            return []
        action = "increase" if new > old else "decrease"
        return [_rate_finding(action, sentence, sentence, new, old, doc, ctx, refs, lexicon)]
    rates = sorted(set(_rates(sentence, lexicon)))
    if len(rates) == 1:
        return [_rate_finding(action, sentence, sentence, rates[0], None, doc, ctx, refs, lexicon)]
    if not rates:
        return []
    findings = []
    for clause in _CLAUSE_SPLIT_RE.split(sentence):
        clause_rates = sorted(set(_rates(clause, lexicon)))
        if len(clause_rates) == 1:
            findings.append(_rate_finding(action, clause, sentence, clause_rates[0], None, doc, ctx, refs, lexicon))
    return [f for f in findings if f.partners is not None or f.modifies]


def _rate_finding(
    action: str,
    clause: str,
    sentence: str,
    rate: float,
    old_rate: float | None,
    doc: Document,
    ctx: _Context,
    refs: list[str],
    lexicon: Lexicon,
) -> Finding:
    finding = Finding(action, doc, sentence, rate_pct=rate, old_rate=old_rate)
    finding.evidence = {"action": sentence, "rate_pct": sentence}
    scopes = scopes_of(clause, lexicon)
    partners = construct_partners(clause, lexicon)
    if partners:
        finding.partners = partners
        finding.basis = "all" if partners == [ALL_PARTNERS] else "sentence"
        finding.evidence["partner"] = sentence
    elif action != "impose" and (refs or len(ctx.refs) == 1):
        finding.partners = None  # resolved from the order it amends
    elif scopes and not ctx.partners:
        finding.partners, finding.basis = [ALL_PARTNERS], "all"
    elif len(ctx.partners) == 1:
        finding.partners, finding.basis = list(ctx.partners), "document"
        finding.evidence["partner"] = ctx.partner_sentence or sentence
    if scopes:
        finding.scopes = scopes
        finding.evidence["scope"] = sentence
    elif action == "impose":
        finding.scopes = [ALL_GOODS]
    if action != "impose":  # an imposition's references are definitions ("as defined in EO ..."), not targets
        finding.modifies = refs[0] if refs else (ctx.refs[0] if len(ctx.refs) == 1 else None)
        if finding.modifies:
            finding.evidence["modifies"] = sentence
    _set_effective(finding, sentence, ctx, lexicon)
    finding.expires_at = _after_keyword(lexicon.expires_re, sentence)
    if finding.expires_at is not None:
        finding.evidence["expires_at"] = sentence
    _set_authority(finding, sentence, ctx, lexicon)
    return finding


def _set_effective(finding: Finding, sentence: str, ctx: _Context | None, lexicon: Lexicon) -> None:
    """The effective time the sentence states, else (when `ctx` is given) the document's."""
    stated = _after_keyword(lexicon.effective_re, sentence)
    if stated is not None:
        finding.effective_at = stated
        finding.evidence["effective_at"] = sentence
    elif ctx is not None and ctx.effective_at is not None:
        finding.effective_at = ctx.effective_at
        finding.evidence["effective_at"] = ctx.effective_sentence or ""


def _set_authority(finding: Finding, sentence: str, ctx: _Context, lexicon: Lexicon) -> None:
    named = lexicon.authority_in(sentence)
    if named:
        finding.authority = named[0][1]
        finding.evidence["authority"] = sentence
    elif ctx.authority:
        finding.authority = ctx.authority
        finding.evidence["authority"] = ctx.authority_sentence or ""


def _intent_findings(sentence: str, doc: Document, lexicon: Lexicon) -> list[Finding]:
    """A statement that duties will come: "we will be announcing 25 percent tariffs on steel"."""
    masked = _mask(sentence)
    if not lexicon.intent_re.search(masked) or not lexicon.duty_re.search(masked):
        return []
    if lexicon.intent_hedge_re.search(masked):
        return []
    partners = construct_partners(sentence, lexicon)
    scopes = scopes_of(sentence, lexicon)
    if not partners and not scopes:
        return []
    rates = sorted(set(_rates(sentence, lexicon)))
    finding = Finding(
        "announce_intent",
        doc,
        sentence,
        partners=partners or [ALL_PARTNERS],
        scopes=scopes or [ALL_GOODS],
        rate_pct=rates[0] if len(rates) == 1 else None,
        basis="intent",
        evidence={"action": sentence, "partner": sentence, "scope": sentence},
    )
    if finding.rate_pct is not None:
        finding.evidence["rate_pct"] = sentence
    named = lexicon.authority_in(sentence)
    if named:
        finding.authority = named[0][1]
        finding.evidence["authority"] = sentence
    return [finding]


# -- from findings to actions -----------------------------------------------------------------------


@dataclass
class _Row:
    """One action for one (partner, scope) of one instrument, from one document version."""

    instrument: Instrument
    finding: Finding
    partner: str
    scope: str
    basis: str
    partner_evidence: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.finding.action, self.partner, self.scope)


def _resolve(
    instrument: Instrument, finding: Finding, targets: dict[str, list[_Row]], ctx_partners: list[str]
) -> list[_Row]:
    """The (partner, scope) pairs a finding applies to."""
    partners, scopes = finding.partners, finding.scopes
    if finding.action in REFERENCE_ACTIONS and finding.modifies and (partners is None or scopes is None):
        # A resume ends a pause, so it may name the pausing order; everything else names the tariff's order.
        kinds = RATE_ACTIONS | {"pause"} if finding.action == "resume" else RATE_ACTIONS
        referenced = [r for r in targets.get(finding.modifies, []) if r.finding.action in kinds]
        pairs = {(r.partner, r.scope): r for r in referenced}
        chosen = [
            r
            for (p, s), r in sorted(pairs.items())
            if (partners is None or p in partners) and (scopes is None or s in scopes)
        ]
        if finding.old_rate is not None:
            chosen = [r for r in chosen if r.finding.rate_pct == finding.old_rate] or chosen
        if finding.old_when is not None and chosen:
            # A delayed start must replace the order's effective date, not some other date in it.
            chosen = [r for r in chosen if _same_day(r.finding.effective_at, finding.old_when)]
            if not chosen:
                return []
        if chosen:
            return [
                _Row(instrument, finding, r.partner, r.scope, "reference", r.finding.evidence.get("partner"))
                for r in chosen
            ]
    if not finding.about_duties:
        return []  # a bare reference to an order we do not know sets no duty of ours
    if partners is None:
        if len(ctx_partners) == 1:
            partners, basis = list(ctx_partners), "fallback"
        elif scopes and finding.action in REFERENCE_ACTIONS and not ctx_partners:
            partners, basis = [ALL_PARTNERS], "fallback"
        else:
            return []  # nobody to apply it to: better no action than a guessed one
    else:
        basis = finding.basis
        if scopes is None and finding.action != "impose" and basis in ("sentence", "all"):
            basis = "document"  # the partner is stated, the scope is assumed to be all goods
    return [_Row(instrument, finding, p, s, basis) for p in partners for s in (scopes or [ALL_GOODS])]


def _same_day(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and a.astimezone(NEW_YORK).date() == b.astimezone(NEW_YORK).date()


def _confidence(row: _Row) -> float:
    if row.finding.action == "announce_intent":
        value = CONFIDENCE["intent"] + (INTENT_RATE_BONUS if row.finding.rate_pct is not None else 0.0)
    else:
        value = CONFIDENCE[row.basis]
    if row.finding.authority:
        value += AUTHORITY_BONUS
    return value


def action_id(instrument_key: str, action: str, partner: str, scope: str) -> str:
    """A stable id: a hash of the instrument (EO or document), the action, the partner and the scope."""
    digest = hashlib.sha1(f"{instrument_key}|{action}|{partner}|{scope}".encode()).hexdigest()
    return digest[:16]


def _evidence(row: _Row, versions: list[_Row], conflict: bool) -> str:
    sentences = {k: v[:EVIDENCE_CHARS] for k, v in row.finding.evidence.items() if v}
    if row.partner_evidence and "partner" not in sentences:
        sentences["partner"] = row.partner_evidence[:EVIDENCE_CHARS]
    documents = []
    for version in row.instrument.versions:
        documents.append(
            {
                "doc_id": version.doc_id,
                "feed": version.feed,
                "url": version.url,
                "available_at": version.available_at.isoformat() if version.available_at else None,
                "states_action": any(v.finding.doc.doc_id == version.doc_id for v in versions),
            }
        )
    payload: dict[str, Any] = {"sentences": sentences, "documents": documents}
    if conflict:
        payload["conflict"] = "feeds disagree on the rate; the Federal Register text wins"
    return json.dumps(payload, sort_keys=True)


def _merge_versions(rows: list[_Row]) -> list[dict[str, Any]]:
    """One action per (instrument, action, partner, scope): the official version's values, corroborated."""
    by_key: dict[tuple[str, str, str, str], list[_Row]] = {}
    for row in rows:
        by_key.setdefault((row.instrument.key, *row.key), []).append(row)
    out = []
    for (instrument_key, action, partner, scope), group in by_key.items():
        group.sort(key=lambda r: (FEED_PRIORITY.get(r.finding.doc.feed, 9), -_confidence(r)))
        best = group[0]
        confidence = _confidence(best)
        feeds = {r.finding.doc.feed for r in group}
        others = [r for r in group if r.finding.doc.feed != best.finding.doc.feed]
        conflict = any(_differs(r.finding.rate_pct, best.finding.rate_pct) for r in others)
        if conflict:
            confidence -= CONFLICT_PENALTY
        elif len(feeds) > 1:
            confidence += AGREEMENT_BONUS
        instrument, finding = best.instrument, best.finding
        out.append(
            {
                "action_id": action_id(instrument_key, action, partner, scope),
                "document_number": instrument.document_number,
                "eo_number": instrument.eo_number,
                "title": instrument.title,
                "action": action,
                "partner": partner,
                "scope": scope,
                "rate_pct": finding.rate_pct,
                # tariff_actions' time column: a statement or notice is dated by its publication.
                "signed_on": instrument.signed_on or instrument.published_on,
                "published_on": instrument.published_on,
                "effective_at": finding.effective_at,
                "expires_at": finding.expires_at,
                "authority": finding.authority,
                "modifies": finding.modifies,
                "source_url": finding.doc.url,
                "evidence": _evidence(best, group, conflict),
                "confidence": round(min(MAX_CONFIDENCE, max(0.0, confidence)), 3),
                "available_at": instrument.available_at,
                "ingested_at": instrument.ingested_at,
            }
        )
    return out


def _differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return not math.isclose(a, b)


def extract_from_documents(documents: Iterable[Document], lexicon: Lexicon | None = None) -> list[dict[str, Any]]:
    """Tariff actions (dicts with the tariff_actions columns) stated by a set of documents."""
    lexicon = lexicon or load_lexicon()
    instruments = group_instruments(list(documents))
    pending: list[tuple[Instrument, Finding, list[str]]] = []
    for instrument in instruments:
        for version in instrument.versions:
            findings, partners = _read(version, lexicon)
            pending.extend((instrument, f, partners) for f in findings)
    # Orders are resolved oldest first, so an amendment can see the order it amends (and a pause an
    # amendment before it); everything an instrument sets is indexed under its EO and document numbers.
    pending.sort(key=lambda t: (t[0].signed_on or t[0].published_on or date.max, t[1].action in REFERENCE_ACTIONS))
    targets: dict[str, list[_Row]] = {}
    rows: list[_Row] = []
    for instrument, finding, partners in pending:
        resolved = _resolve(instrument, finding, targets, partners)
        rows.extend(resolved)
        for ref in instrument.refs():
            targets.setdefault(ref, []).extend(resolved)
    actions = _merge_versions(rows)
    actions.sort(key=lambda a: (a["signed_on"] or date.max, a["title"], a["action"], a["partner"], a["scope"]))
    return actions


def documents_from_frame(frame: pd.DataFrame) -> list[Document]:
    """policy_documents rows (a DataFrame) as Documents; missing optional columns are None."""
    out = []
    for record in frame.to_dict("records"):
        out.append(
            Document(
                doc_id=str(record["doc_id"]),
                feed=str(record.get("feed") or ""),
                title=str(record.get("title") or ""),
                document_number=_text(record.get("document_number")),
                eo_number=_text(record.get("eo_number")),
                doc_type=_text(record.get("doc_type")),
                signed_on=_as_date(record.get("signed_on")),
                published_on=_as_date(record.get("published_on")),
                url=_text(record.get("url")),
                body_text=_text(record.get("body_text")),
                available_at=_as_utc(record.get("available_at")),
                ingested_at=_as_utc(record.get("ingested_at")),
            )
        )
    return out


def extract_actions(documents: pd.DataFrame) -> pd.DataFrame:
    """The tariff_actions rows stated by a frame of policy_documents (both feeds at once)."""
    import pandas as pd

    actions = extract_from_documents(documents_from_frame(documents))
    frame = pd.DataFrame(actions, columns=list(OUTPUT_COLUMNS))
    for column in ("effective_at", "expires_at", "available_at", "ingested_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["rate_pct"] = frame["rate_pct"].astype("float64")
    frame["confidence"] = frame["confidence"].astype("float64")
    return frame


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN / NaT
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str | None:
    if _missing(value):
        return None
    text = str(value).strip()
    return text or None


def _as_date(value: Any) -> date | None:
    if _missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_utc(value: Any) -> datetime | None:
    if _missing(value):
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
