"""``kg suggest``: propose the facts an article's text states, each with its quote.

Rule-based, on spaCy's blank English pipeline (a tokenizer and sentence splitter; no
model is downloaded): names are found by a ``PhraseMatcher`` over the gazetteer
(:mod:`kg.authoring.gazetteer`), amounts by :mod:`kg.authoring.quantities`, times by
:mod:`kg.authoring.periods`, people with their posts by token patterns. Each
suggestion says what it is and where, with the IRIs it found or the labels it proposes,
for a person to accept, edit or reject.

The JSON shape (``kg suggest --json``), one object per suggestion:

``kind``
    ``observation`` (a reported figure), ``target`` (an aim: "plans", "aims", "by
    2025"), ``expectation`` (an organisation's forecast), ``affiliation`` (a person and
    post), ``quote`` (quoted speech) or ``mention`` (an entity the text names).
``quote``, ``start``, ``end``
    The verbatim text and its position in code points (``text[start:end] == quote``).
``entities``
    ``{"role", "label", "iri"}`` or, for one the graph lacks, ``{"role", "label",
    "proposed": IRI in the house style, "close": [similar labels of the graph]}``.
``value``, ``unit``, ``comparator``, ``usd``
    The amount in base units as a decimal string, its QUDT unit and comparator IRI.
``indicator``
    ``{"iri", "label"}`` or ``{"proposed": label}``.
``period``, ``month``, ``deadline``, ``timeframe``, ``period_start``
    When: the year (``YYYY``), month (``YYYY-MM``), whether the year is a deadline,
    and a span (``P5Y``) with the year it counts from.
``confidence``
    0 to 1, from how much of the fact was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import spacy
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from kg.authoring import periods, quantities
from kg.authoring.gazetteer import Entry, Gazetteer, slug
from kg.authoring.subjects import Mention, locative, qualifier, quoted, specific
from kg.authoring.subjects import clause as clause_of
from kg.authoring.subjects import subject as whose
from kg.namespaces import ID

TARGET_CUES = (
    "aim",
    "aims",
    "plan",
    "plans",
    "planned",
    "target",
    "targets",
    "will",
    "strive",
    "seek",
    "eyeing",
    "looking to",
    "is set to",
    "committed to",
    "pledged",
    "proposed",
    "is expected to",
    "expects",
    "to add",
    "to build",
    "to create",
    "to increase",
    "set the target",
    "budget",
)
EXPECTATION_CUES = ("confident", "expects", "is expected to")
GOVERNMENTS = ("Government", "Legislature", "ConsultativeBody", "PartyOrganization")
KIND_ORDER = ("region", "organization", "person", "sector", "theme", "indicator", "role")
# Words that name an indicator before an amount, when no count noun does.
INDICATOR_WORDS = 8


@dataclass
class Suggestion:
    kind: str
    quote: str
    start: int
    end: int
    entities: list[dict] = field(default_factory=list)
    value: str | None = None
    unit: str | None = None
    comparator: str | None = None
    usd: str | None = None
    indicator: dict | None = None
    when: dict = field(default_factory=dict)
    confidence: float = 0.5

    def as_dict(self) -> dict:
        out: dict[str, object] = {
            "kind": self.kind,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "entities": self.entities,
        }
        for name in ("value", "unit", "comparator", "usd", "indicator"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        out.update(self.when)
        out["confidence"] = round(self.confidence, 2)
        return out


class Suggester:
    """Reads texts against one gazetteer; build it once, use it for many texts."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")
        self.names = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.entries: dict[str, list[Entry]] = {}
        for entry in gazetteer.entries:
            if len(entry.name) < 2 or entry.kind == "role":
                continue
            self.entries.setdefault(entry.name.lower(), []).append(entry)
        for name in self.entries:
            self.names.add(name, [self.nlp.make_doc(name)])
        self.roles = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.role_entries: dict[str, Entry] = {}
        for entry in gazetteer.entries:
            if entry.kind == "role":
                self.role_entries.setdefault(entry.name.lower(), entry)
        for name in self.role_entries:
            self.roles.add(name, [self.nlp.make_doc(name)])
        self.amounts = quantities.make_matcher(self.nlp)
        self.people = Matcher(self.nlp.vocab)
        word = {"IS_TITLE": True, "IS_ALPHA": True}
        self.people.add("NAME_COMMA", [[word, word, {"ORTH": ","}]])

    @cached_property
    def indicators(self) -> dict[str, Entry]:
        return {e.name: e for e in self.gazetteer.entries if e.kind == "indicator"}

    @cached_property
    def governments(self) -> dict[str, Entry]:
        """Region IRI → the government whose jurisdiction it is."""
        return {
            e.area: e
            for e in self.gazetteer.entries
            if e.kind == "organization" and e.division_class == "Government" and e.area
        }

    @cached_property
    def by_iri(self) -> dict[str, Entry]:
        return self.gazetteer.by_iri()

    @cached_property
    def labels_by_kind(self) -> dict[str, dict[str, Entry]]:
        out: dict[str, dict[str, Entry]] = {}
        for entry in self.gazetteer.entries:
            out.setdefault(entry.kind, {})[entry.name] = entry
        return out

    # --- reading --------------------------------------------------------------------

    def mentions(self, doc: Doc) -> list[Mention]:
        """Longest non-overlapping names; the graph's entries before reference ones."""
        spans = sorted(
            ((s, e) for _, s, e in self.names(doc)), key=lambda se: (se[0], -(se[1] - se[0]))
        )
        out: list[Mention] = []
        taken = -1
        for start, end in spans:
            if start < taken:
                continue
            text = doc[start:end].text.lower()
            candidates = self.entries.get(text)
            if not candidates:
                continue
            # "Guizhou-Cloud" is a company, not Guizhou.
            if end + 1 < len(doc) and doc[end].text == "-" and not doc[end - 1].whitespace_:
                continue
            # A lower-case common word is a name only where the text capitalises it.
            if candidates[0].kind in ("region", "person", "organization") and not any(
                t.text[:1].isupper() for t in doc[start:end]
            ):
                continue
            entry = sorted(candidates, key=lambda e: (e.iri is None, KIND_ORDER.index(e.kind)))[0]
            out.append(Mention(start, end, entry))
            taken = end
        return out

    def suggest(self, text: str, article_year: int | None) -> list[Suggestion]:
        # Curly apostrophes (U+2018, U+2019) as straight ones, so the text's "People's"
        # matches a label's; one code point for one, so offsets into the text stay right.
        doc = self.nlp(text.replace("\u2019", "'").replace("\u2018", "'"))
        mentions = self.mentions(doc)
        amounts = quantities.find(doc, self.amounts)
        out: list[Suggestion] = []
        seen: set[str] = set()
        for mention in mentions:
            key = mention.entry.iri or mention.entry.name
            if key in seen:
                continue
            seen.add(key)
            span = doc[mention.start : mention.end]
            out.append(
                Suggestion(
                    "mention",
                    text[span.start_char : span.end_char],
                    span.start_char,
                    span.end_char,
                    [_entity("mention", mention.entry)],
                    confidence=0.9 if mention.entry.iri else 0.6,
                )
            )
        history: list[Mention] = []  # regions and organisations named so far
        last_subject: Mention | None = None
        paragraph_year: int | None = None
        for sentence in doc.sents:
            if "\n\n" in text[max(0, sentence.start_char - 3) : sentence.start_char + 1]:
                # A year and a subject carry over within a paragraph only; past it, a
                # figure with no place is the country's.
                paragraph_year = None
                last_subject = next(
                    (m for m in history if m.entry.division_class == "Country"), None
                )
            in_sentence = [m for m in mentions if sentence.start <= m.start < sentence.end]
            posts, proposed = self._posts(text, doc, sentence, in_sentence)
            in_sentence = sorted(in_sentence + proposed, key=lambda m: m.start)
            # News agencies are named as sources of a figure, not as whose it is.
            places = [
                m
                for m in in_sentence
                if m.entry.kind in ("region", "organization")
                and m.entry.division_class not in ("NewsOrganization",)
            ]
            candidates = [
                m
                for m in places
                if not qualifier(doc, m, places) and not locative(doc, m, sentence)
            ]
            sentence_when = periods.read(sentence.text, article_year)
            for amount in amounts:
                if not (sentence.start_char <= amount.start < sentence.end_char):
                    continue
                if quoted(text, sentence.start_char, amount.start):
                    continue  # "the “one trillion yuan club”" names a club, states no figure
                clause = clause_of(doc, sentence, amount)
                subject = whose(doc, clause, amount, places, candidates, history, last_subject)
                when = periods.read(clause.text, article_year)
                if when.year is None and when.span_years is None:
                    when = sentence_when
                found = self._figure(text, sentence, amount, subject, when)
                if found.kind == "observation" and when.year is None and paragraph_year:
                    found.when = periods.When(year=paragraph_year).as_dict()
                out.append(found)
            if sentence_when.year and not sentence_when.deadline:
                paragraph_year = sentence_when.year
            history += places
            if candidates:
                last_subject = specific(candidates)[0]
            out += posts
        return sorted(out, key=lambda s: (s.start, s.kind))

    def _figure(
        self,
        text: str,
        sentence: Span,
        amount: quantities.Quantity,
        subject: Mention | None,
        when: periods.When,
    ) -> Suggestion:
        doc = sentence.doc
        lower = sentence.text.lower()
        cue_text = lower[: amount.start - sentence.start_char]
        target = any(re.search(rf"\b{re.escape(c)}\b", cue_text) for c in TARGET_CUES) or (
            when.deadline
        )
        kind = "target" if target else "observation"
        entities = []
        if subject is not None:
            entry = subject.entry
            if entry.kind == "organization" and entry.division_class in GOVERNMENTS and entry.area:
                area = self.by_iri.get(entry.area)
                if area is not None:
                    entities.append(_entity("area", area))
                entities.append(_entity("actor", entry))
            elif entry.kind == "organization":
                entities.append(_entity("organization", entry))
                if any(c in lower for c in EXPECTATION_CUES):
                    kind = "expectation"
            else:
                entities.append(_entity("area", entry))
        indicator = self._indicator(doc, sentence, amount)
        confidence = 0.3 + 0.25 * bool(subject) + 0.25 * bool(indicator.get("iri"))
        confidence += 0.2 * bool(when.year or when.span_years)
        start = sentence.start_char + (len(sentence.text) - len(sentence.text.lstrip()))
        end = sentence.start_char + len(sentence.text.rstrip())
        return Suggestion(
            kind,
            text[start:end],
            start,
            end,
            entities,
            value=f"{amount.value.normalize():f}",
            unit=amount.unit,
            comparator=amount.comparator,
            usd=f"{amount.usd.normalize():f}" if amount.usd is not None else None,
            indicator=indicator,
            when=when.as_dict(),
            confidence=min(confidence, 1.0),
        )

    def _indicator(self, doc: Doc, sentence: Span, amount: quantities.Quantity) -> dict:
        """The indicator the amount measures: its count noun, or the words before it."""
        if amount.counted:
            words = amount.counted
        else:
            start = doc.char_span(amount.start, amount.end, alignment_mode="expand")
            first = start.start if start is not None else sentence.start
            words = doc[max(sentence.start, first - INDICATOR_WORDS) : first].text
        choices = list(self.indicators)
        if choices and words:
            best = process.extractOne(
                words, choices, scorer=fuzz.token_set_ratio, processor=default_process
            )
            if best is not None and best[1] >= 75:
                entry = self.indicators[best[0]]
                return {"iri": entry.iri, "label": entry.label}
        proposed = words.strip() if amount.counted else ""
        return {"proposed": proposed} if proposed else {}

    def _posts(
        self, text: str, doc: Doc, sentence: Span, mentions: list[Mention]
    ) -> tuple[list[Suggestion], list[Mention]]:
        """ "Name, [a] role of|to|at Organisation" and "Region Provincial Role Name";
        with the organisations named there that the graph does not know."""
        found: list[Suggestion] = []
        proposed: list[Mention] = []
        roles = [(s, e) for _, s, e in self.roles(doc) if sentence.start <= s < sentence.end]
        for _, start, end in self.people(doc):
            if not (sentence.start <= start < sentence.end):
                continue
            comma = end - 1
            role = next(
                (
                    (s, e)
                    for s, e in roles
                    if comma < s <= comma + 4
                    and all(t.lower_ in ("a", "an", "the", "former") for t in doc[comma + 1 : s])
                ),
                None,
            )
            if role is None:
                continue
            where = next(
                (
                    m
                    for m in mentions
                    if m.start >= role[1]
                    and m.start <= role[1] + 3
                    and m.entry.kind in ("organization", "region")
                ),
                None,
            )
            person_name = doc[start:comma].text
            if _is_known_non_person(self, person_name):
                continue
            if where is None:
                where = _proposed_organisation(doc, role, sentence, self.role_entries)
                if where is None:
                    continue
                proposed.append(where)
            quote_end = where.end
            found.append(
                self._affiliation(
                    text, doc, start, quote_end, person_name, role, where, doc[comma + 1 : role[0]]
                )
            )
        # "Hubei Provincial Governor Wang Zhonglin"
        for s, e in roles:
            if not (sentence.start <= s < sentence.end) or e + 2 > sentence.end:
                continue
            name_tokens = doc[e : e + 2]
            if not all(t.is_title and t.is_alpha for t in name_tokens):
                continue
            where = next(
                (m for m in mentions if m.end <= s and s - m.end <= 1 and m.entry.kind == "region"),
                None,
            )
            if where is None:
                continue
            found.append(
                self._affiliation(
                    text, doc, where.start, e + 2, name_tokens.text, (s, e), where, None
                )
            )
        return found, proposed

    def _affiliation(
        self, text, doc, start, end, person_name, role, where, determiners
    ) -> Suggestion:
        role_entry = self.role_entries[doc[role[0] : role[1]].text.lower()]
        people = self.labels_by_kind.get("person", {})
        person = people.get(person_name)
        entities = [
            _entity("member", person)
            if person
            else _proposed("member", person_name, "person", list(people))
        ]
        entities.append(_entity("role", role_entry))
        # "governor of Hubei": the post is in Hubei's government.
        organization = where.entry
        if organization.kind == "region":
            organization = self.governments.get(organization.iri or "", organization)
        entities.append(_entity("organization", organization))
        former = determiners is not None and any(t.lower_ == "former" for t in determiners)
        span = doc[start:end]
        suggestion = Suggestion(
            "affiliation",
            text[span.start_char : span.end_char],
            span.start_char,
            span.end_char,
            entities,
            confidence=0.8 if person else 0.6,
        )
        if former:
            suggestion.when = {"tenure": "former"}
        return suggestion


CORPORATE_ROLES = {"president", "chairman", "chief executive", "ceo", "general manager"}


def _proposed_organisation(
    doc: Doc, role: tuple[int, int], sentence: Span, roles: dict[str, Entry]
) -> Mention | None:
    """The capitalised name after "president of" that the graph does not know."""
    at = role[1]
    while at < sentence.end and doc[at].lower_ in ("of", "to", "at", "the"):
        at += 1
    end = at
    while end < sentence.end and end - at < 8:
        token = doc[end]
        if (
            token.is_title
            or token.is_upper
            or token.text in ("-", "&", "Co.", "Ltd.", "Ltd")
            or (
                token.lower_ in ("of", "for", "and")
                and end + 1 < sentence.end
                and doc[end + 1].is_title
            )
        ):
            end += 1
        else:
            break
    if end == at or doc[end - 1].text == "-":
        return None
    name = doc[at:end].text
    corporate = doc[role[0] : role[1]].text.lower() in CORPORATE_ROLES
    entry = Entry(name, "organization", None, name, None, None, "Company" if corporate else None)
    return Mention(at, end, entry)


def _is_known_non_person(suggester: Suggester, name: str) -> bool:
    entries = suggester.entries.get(name.lower(), [])
    return any(e.kind != "person" for e in entries)


def _entity(role: str, entry: Entry) -> dict:
    if entry.iri:
        return {"role": role, "label": entry.label or entry.name, "iri": entry.iri}
    out: dict[str, object] = {
        "role": role,
        "label": entry.name,
        "proposed": f"{ID}{entry.kind}/{slug(entry.name)}",
    }
    if entry.code:
        out["code"] = entry.code
    if entry.division_class:
        out["class"] = entry.division_class
    return out


def _proposed(role: str, label: str, kind: str, known: list[str]) -> dict:
    close = [m[0] for m in process.extract(label, known, scorer=fuzz.WRatio, limit=3) if m[1] >= 80]
    return {
        "role": role,
        "label": label,
        "proposed": f"{ID}{kind}/{slug(label)}",
        "close": close,
    }
