"""Whose figure it is: which place or organisation a sentence's amount belongs to.

News sentences name several places ("Hefei, capital of east China's Anhui Province,
plans to..."); these rules pick the one a figure is about, from where the names stand
in the sentence and what "the province", "the company" refers back to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from kg.authoring import quantities
from kg.authoring.gazetteer import Entry

DIRECTIONS = {
    "east",
    "west",
    "north",
    "south",
    "southwest",
    "southeast",
    "northwest",
    "northeast",
    "eastern",
    "western",
    "northern",
    "southern",
    "central",
    "the",
}
# Words that refer back to a place named before, and the classes it may have.
REFERENCES = (
    (r"\b(?:the|its) province\b", ("Province", "Municipality", "ProvinceLevelDivision")),
    (r"\bthe (?:\w+ )?(?:port )?city\b", ("PrefectureLevelCity", "City", "Municipality")),
    (r"\bthe (?:company|firm)\b", ("Company",)),
    (r"\bthe (?:new )?(?:area|district)\b", ("NewArea", "District")),
    (r"\bthe (?:country|nation)\b", ("Country",)),
)


@dataclass(frozen=True)
class Mention:
    start: int  # token offsets in the doc
    end: int
    entry: Entry


def subject(
    doc: Doc,
    clause: Span,
    amount: quantities.Quantity,
    places: list[Mention],
    candidates: list[Mention],
    history: list[Mention],
    last_subject: Mention | None,
) -> Mention | None:
    """Whose figure it is, tried in order: the first place named in its clause before
    it; one named after it there ("a facility in Pingfang"); the sentence's first;
    what "the province", "the company", "the country" refers back to; the last
    sentence's subject."""
    before = [m for m in candidates if clause.start <= m.start and doc[m.start].idx < amount.start]
    if before:
        return specific(before)[0]
    lower = clause.text.lower()
    for pattern, classes in REFERENCES:
        if re.search(pattern, lower):
            for mention in reversed(history):
                if mention.entry.division_class in classes:
                    return mention
    after = [m for m in places if doc[m.start].idx >= amount.end and m.start < clause.end]
    if after:
        return specific(after)[0]
    if candidates:
        return specific(candidates)[0]
    return last_subject


def specific(mentions: list[Mention]) -> list[Mention]:
    """Provinces and cities before the country and macro-regions that qualify them."""
    return sorted(mentions, key=lambda m: m.entry.division_class in ("Country", "MacroRegion"))


def qualifier(doc: Doc, mention: Mention, places: list[Mention]) -> bool:
    """ "China's" in "east China's Anhui Province": it says where the next place is."""
    after = mention.end
    return (
        after < len(doc)
        and doc[after].lower_ == "'s"
        and any(other.start == after + 1 for other in places)
    )


def locative(doc: Doc, mention: Mention, sentence: Span) -> bool:
    """ "a city in south China's Guangdong Province": a place named to locate another
    (a sentence that opens "In Tianjin, ..." is about Tianjin)."""
    at = mention.start - 1
    while at > sentence.start and doc[at].lower_ in DIRECTIONS:
        at -= 1
    return at > sentence.start and doc[at].lower_ == "in"


def clause(doc: Doc, sentence: Span, amount: quantities.Quantity) -> Span:
    """The words between the commas around the amount."""
    span = doc.char_span(amount.start, amount.end, alignment_mode="expand")
    at = span.start if span is not None else sentence.start
    start = at
    while start > sentence.start and doc[start - 1].text not in (",", ";"):
        start -= 1
    # An apposition ("Dongguan, a city in ... Guangdong that exceeds") belongs to the
    # clause before it.
    while start > sentence.start and doc[start].lower_ in ("a", "an", "capital"):
        start -= 1
        while start > sentence.start and doc[start - 1].text not in (",", ";"):
            start -= 1
    end = span.end if span is not None else at + 1
    while end < sentence.end and doc[end].text not in (",", ";"):
        end += 1
    return doc[start:end]


def quoted(text: str, start: int, at: int) -> bool:
    """Whether position ``at`` is inside quotation marks opened after ``start``."""
    before = text[start:at]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1
