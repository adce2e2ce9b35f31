"""When a sentence's figure holds: a year, a month, a deadline or a span, read relative to
the article's date ("last year" in a 2022 article is 2021).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import text2num

MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}


@dataclass(frozen=True)
class When:
    """The time a figure is about, as precise as the sentence says."""

    year: int | None = None  # the period, or the year by which (deadline)
    month: int | None = None
    deadline: bool = False  # "by 2025": the year by which a target is to be met
    span_years: int | None = None  # "over the next five years"
    span_start: int | None = None

    def as_dict(self) -> dict:
        out: dict[str, object] = {}
        if self.year is not None:
            out["period"] = str(self.year)
        if self.month is not None and self.year is not None:
            out["month"] = f"{self.year}-{self.month:02d}"
        if self.deadline:
            out["deadline"] = True
        if self.span_years is not None:
            out["timeframe"] = f"P{self.span_years}Y"
            out["period_start"] = str(self.span_start)
        return out


_YEAR = r"(?:19|20)\d\d"
_COUNT = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty)"


def read(sentence: str, article_year: int | None) -> When:
    """The time ``sentence`` gives, relative to ``article_year``.

    >>> read("Shandong plans to incubate 400 such SMEs by 2025", 2022)
    When(year=2025, month=None, deadline=True, span_years=None, span_start=None)
    >>> read("Last year, Hubei's GDP reached 5 trillion yuan", 2022).year
    2021
    >>> read("In January, the company achieved 92 million yuan", 2022)
    When(year=2022, month=1, deadline=False, span_years=None, span_start=None)
    >>> read("As of March last year, more than 30 cities", 2024)
    When(year=2023, month=3, deadline=False, span_years=None, span_start=None)
    >>> read("plans to cultivate leading enterprises in the next five years", 2022)
    When(year=None, month=None, deadline=False, span_years=5, span_start=2022)
    >>> read("the GDP exceeded two trillion yuan in 2021", 2022).year
    2021
    """
    lower = sentence.lower()
    when: dict[str, object] = {}
    span = re.search(rf"(?:next|coming|following) ({_COUNT}) years", lower)
    if span and article_year is not None:
        count = span.group(1)
        years = int(count) if count.isdigit() else text2num(count, "en")
        return When(span_years=years, span_start=article_year)
    by = re.search(rf"\b(?:by|before) (?:the end of )?({_YEAR})\b", lower)
    stated = re.search(rf"\b(?:in|for|of|during) ({_YEAR})\b", lower) or re.search(
        rf"\b({_YEAR})\b", lower
    )
    if by:
        when.update(year=int(by.group(1)), deadline=True)
    elif stated:
        when["year"] = int(stated.group(1))
    elif article_year is not None:
        if "last year" in lower or "previous year" in lower:
            when["year"] = article_year - 1
        elif "this year" in lower or "current year" in lower:
            when["year"] = article_year
    month = re.search(r"\b(?:in|as of|since|by the end of) (" + "|".join(MONTHS) + r")\b", lower)
    if month:
        when["month"] = MONTHS[month.group(1)]
        if "year" not in when and article_year is not None:
            when["year"] = article_year
    return When(**when)  # type: ignore[arg-type]
