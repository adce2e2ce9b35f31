"""Amounts as people read them: "more than 5 trillion yuan", not "5000000000000".

Values are stored in base units (yuan, dollars, items, percent), so that they compare
and add up; pages and generated labels show them with a scale word, as the articles
write them. Used by the build (fact labels) and the server (pages) alike.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

UNIT = "http://qudt.org/vocab/unit/"
LGDE = "https://w3id.org/lgde/ontology#"

_SCALES = (
    (Decimal(10) ** 12, "trillion"),
    (Decimal(10) ** 9, "billion"),
    (Decimal(10) ** 6, "million"),
)
COMPARATOR_WORDS = {
    LGDE + "exactly": "",
    LGDE + "approximately": "about ",
    LGDE + "atLeast": "at least ",
    LGDE + "moreThan": "more than ",
    LGDE + "upTo": "up to ",
}


def number(value: str | int | float | Decimal) -> str:
    """A number with a scale word from a million up, digits grouped below.

    >>> number("5000000000000")
    '5 trillion'
    >>> number("2100000000.0")
    '2.1 billion'
    >>> number("164900000000")
    '164.9 billion'
    >>> number("13900000")
    '13.9 million'
    >>> number("5000")
    '5,000'
    >>> number("33.33")
    '33.33'
    >>> number("-2500000")
    '-2.5 million'
    """
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    for scale, word in _SCALES:
        if abs(amount) >= scale:
            return f"{_plain(amount / scale)} {word}"
    if amount == amount.to_integral():
        return f"{int(amount):,}"
    return _plain(amount)


def _plain(amount: Decimal) -> str:
    text = f"{amount.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def amount(value: str | int | float | Decimal, unit: str, comparator: str | None = None) -> str:
    """The value in its unit, with the comparator in words.

    >>> amount("100000000", UNIT + "CCY_CNY")
    '100 million yuan'
    >>> amount("789000000000", UNIT + "CCY_USD")
    'US$789 billion'
    >>> amount("12", UNIT + "PERCENT", LGDE + "upTo")
    'up to 12%'
    >>> amount("4000000", UNIT + "NUM", LGDE + "exactly")
    '4 million'
    >>> amount("1000000000000", UNIT + "CCY_CNY", LGDE + "moreThan")
    'more than 1 trillion yuan'
    """
    shown = number(value)
    if unit == UNIT + "CCY_CNY":
        shown = f"{shown} yuan"
    elif unit == UNIT + "CCY_USD":
        shown = f"US${shown}"
    elif unit == UNIT + "PERCENT":
        shown = f"{shown}%"
    return COMPARATOR_WORDS.get(comparator or "", "") + shown
