"""Check-worthiness hints: cheap signals that a sentence is worth checking."""

from __future__ import annotations

import re

_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half|"
    r"per ?cent|percent|quarter|double|triple)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[“„«‹][^”“«»]{1,}[”»›]|\"[^\"]{2,}\"|‘[^’]{3,}’")
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|tells|according to|claimed|claims|stated|states|announced|"
    r"insisted|argued|reported|wrote|tweeted|posted|warned|added|confirmed|denied|"
    r"admitted|suggested|revealed|spokes(?:man|woman|person))\b",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"\b(?:than|more|less|fewer|most|least|higher|lower|larger|smaller|bigger|greater|"
    r"biggest|largest|highest|lowest|worst|best|increase[ds]?|decrease[ds]?|rose|risen|"
    r"fell|fallen|doubled|tripled|halved|record|compared|versus|vs\.?)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(?:January|February|March|April|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow|tonight|ago|last "
    r"(?:week|month|year)|next (?:week|month|year)|(?:19|20)\d\d)\b"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b",
)

#: "May" is a month and a verb; count it only beside a day number or after "in".
_MAY = re.compile(r"\bMay\s+\d|\d\s+May\b|\b[Ii]n May\b")

HINT_NAMES = ("number", "quote", "attribution", "comparison", "date")


def claim_hints(text: str) -> dict[str, bool]:
    """Return ``{"has_number": bool, ...}`` for the claim text, keyed like Claim columns."""
    return {
        "has_number": bool(_NUMBER.search(text)),
        "has_quote": bool(_QUOTE.search(text)),
        "has_attribution": bool(_ATTRIBUTION.search(text)),
        "has_comparison": bool(_COMPARISON.search(text)),
        "has_date": bool(_DATE.search(text) or _MAY.search(text)),
    }
