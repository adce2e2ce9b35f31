"""Amounts in running text: "5 trillion yuan (US$ 789 billion)", "by as much as 12%",
"more than 5,000 big data companies", "four cities", "19.5 per cent".

A spaCy ``Matcher`` on a blank English pipeline finds the spans (no model to download);
number words are read by ``text_to_num``; values come out in base units, as the graph
stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from text_to_num import text2num

UNIT = "http://qudt.org/vocab/unit/"
LGDE = "https://w3id.org/lgde/ontology#"

SCALES = {
    "thousand": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
}
YUAN = {"yuan", "rmb", "renminbi"}
PERCENT = {"%", "percent", "per", "cent", "pct"}
DOLLAR_SIGNS = {"$", "us$", "usd"}
TIME_WORDS = {"year", "years", "month", "months", "day", "days", "consecutive", "sessions"}

# Comparator wording, longest first; the words just before a number.
COMPARATORS: list[tuple[tuple[str, ...], str]] = [
    (("by", "as", "much", "as"), "upTo"),
    (("as", "much", "as"), "upTo"),
    (("up", "to"), "upTo"),
    (("at", "most"), "upTo"),
    (("no", "more", "than"), "upTo"),
    (("more", "than"), "moreThan"),
    (("over",), "moreThan"),
    (("exceeding",), "moreThan"),
    (("exceeded",), "moreThan"),
    (("exceeds",), "moreThan"),
    (("surpassed",), "moreThan"),
    (("at", "least"), "atLeast"),
    (("reached",), "atLeast"),
    (("about",), "approximately"),
    (("around",), "approximately"),
    (("approximately",), "approximately"),
    (("nearly",), "approximately"),
    (("roughly",), "approximately"),
    (("some",), "approximately"),
]


@dataclass(frozen=True)
class Quantity:
    """One amount: where it is, its value in base units, unit and comparator."""

    start: int  # character offsets in the text
    end: int
    value: Decimal
    unit: str
    comparator: str
    usd: Decimal | None = None  # a dollar amount given beside a yuan one
    counted: str = ""  # for a count, the words after it ("new smart factories")
    token_end: int = 0  # the token after the amount (and its dollar equivalent)

    @property
    def text(self) -> str:
        return f"{self.value} {self.unit.rsplit('/', 1)[1]}"


def _number(token_text: str) -> Decimal | None:
    """
    >>> _number("5,000"), _number("four"), _number("19.5"), _number("ten")
    (Decimal('5000'), Decimal('4'), Decimal('19.5'), Decimal('10'))
    >>> _number("2020") is None, _number("a") is None
    (False, True)
    """
    cleaned = token_text.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        pass
    try:
        return Decimal(text2num(token_text.lower(), "en"))
    except ValueError:
        return None


def _is_year(token) -> bool:
    return token.shape_ == "dddd" and 1900 <= int(token.text) <= 2100


def make_matcher(nlp: Language) -> Matcher:
    matcher = Matcher(nlp.vocab)
    number = {"LIKE_NUM": True}
    scale = {"LOWER": {"IN": sorted(SCALES)}, "OP": "?"}
    matcher.add("AMOUNT", [[number, scale]])
    return matcher


def find(doc: Doc, matcher: Matcher) -> list[Quantity]:
    """Every amount in ``doc``, left to right; years and ordinals are not amounts."""
    found: list[Quantity] = []
    taken_until = -1
    spans = sorted((Span(doc, s, e) for _, s, e in matcher(doc)), key=lambda s: (s.start, -len(s)))
    for span in spans:
        if span.start < taken_until:
            continue
        quantity = _read(doc, span)
        if quantity is None:
            continue
        found.append(quantity)
        taken_until = quantity.token_end
    return found


def _read(doc: Doc, span: Span) -> Quantity | None:
    first = span[0]
    if _is_year(first) and len(span) == 1:
        return None
    value = _number(first.text)
    if value is None:
        return None
    # "5G", "14th": part of a name or an ordinal, not an amount.
    attached = not first.whitespace_ and first.i + 1 < len(doc) and doc[first.i + 1].is_alpha
    if attached and len(span) == 1:
        return None
    if len(span) == 2:
        value *= SCALES[span[1].lower_]
    start_token, end_token = span.start, span.end
    # A currency sign before the number: "US$ 789 billion", "$330 million".
    dollars = start_token > 0 and doc[start_token - 1].lower_ in DOLLAR_SIGNS
    if dollars:
        start_token -= 1
    unit = UNIT + "NUM"
    following = doc[end_token].lower_ if end_token < len(doc) else ""
    if dollars:
        unit = UNIT + "CCY_USD"
    elif following in YUAN:
        unit, end_token = UNIT + "CCY_CNY", end_token + 1
    elif following == "%" or following == "percent" or following == "pct":
        unit, end_token = UNIT + "PERCENT", end_token + 1
    elif following == "per" and end_token + 1 < len(doc) and doc[end_token + 1].lower_ == "cent":
        unit, end_token = UNIT + "PERCENT", end_token + 2
    elif following in ("dollars", "usd"):
        unit, end_token = UNIT + "CCY_USD", end_token + 1
    comparator, start_token = _comparator(doc, start_token)
    usd = None
    # "(US$ 789 billion)", "($330 million)", "(about $ 789 billion)" after a yuan amount.
    after = end_token
    if unit == UNIT + "CCY_CNY" and after < len(doc) and doc[after].text == "(":
        inner = doc[after + 1 : min(len(doc), after + 7)]
        sign = next((t for t in inner if t.lower_ in DOLLAR_SIGNS), None)
        number = next((t for t in inner if t.like_num), None)
        if sign is not None and number is not None and number.i > sign.i:
            amount = _number(number.text)
            if amount is not None:
                if number.i + 1 < len(doc) and doc[number.i + 1].lower_ in SCALES:
                    amount *= SCALES[doc[number.i + 1].lower_]
                usd = amount
                close = next((t.i for t in doc[number.i : number.i + 4] if t.text == ")"), None)
                if close is not None:
                    after = close + 1
    counted = ""
    if unit == UNIT + "NUM":
        words = []
        for token in doc[end_token : end_token + 6]:
            if token.is_punct or token.lower_ in ("in", "by", "and", "with", "from", "to", "of"):
                break
            words.append(token.text)
        counted = " ".join(words)
        if not counted or words[0].lower() in TIME_WORDS:
            return None  # a bare number, or a span of time ("five years"), counts nothing
    return Quantity(
        doc[start_token].idx,
        doc[end_token - 1].idx + len(doc[end_token - 1]),
        value,
        unit,
        LGDE + comparator,
        usd,
        counted,
        after,
    )


def _comparator(doc: Doc, start: int) -> tuple[str, int]:
    """The comparator the words before token ``start`` state, and where they begin."""
    for words, name in COMPARATORS:
        begin = start - len(words)
        if begin >= 0 and tuple(t.lower_ for t in doc[begin:start]) == words:
            return name, begin
    return "exactly", start
