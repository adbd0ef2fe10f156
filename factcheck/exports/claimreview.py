"""schema.org ClaimReview JSON-LD for published (approved) verdicts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any

from sqlalchemy import Connection

from factcheck.annotations.states import AnnotationState
from factcheck.exports.csv_export import publication_rows
from factcheck.exports.filters import ExportFilters
from factcheck.review.publication import publication_dates
from factcheck.verdicts.models import BEST_RATING, WORST_RATING

#: Newsrooms paste JSON-LD into ``<script type="application/ld+json">``, where text such
#: as ``</script>`` or ``<!--`` in a claim would end the element. Outside strings JSON
#: has none of these characters; inside them the escapes read back as the same text.
_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def json_ld(value: Any) -> str:
    """``value`` as JSON text that is safe inside an HTML ``<script>`` element.

    Every JSON-LD writer goes through this: the single-claim document, the feed (web,
    API and command line).
    """
    return json.dumps(value, ensure_ascii=False).translate(_HTML_SAFE)


#: Where a published verdict's public page lives, under the public base URL.
PUBLIC_CLAIM_PATH = "/published/claims/{claim_id}"

_WORDS = re.compile(r"[^\w]+")
_ORGANISATION_WORDS = frozenset(
    {
        "agency",
        "association",
        "authority",
        "bank",
        "board",
        "bureau",
        "campaign",
        "centre",
        "center",
        "college",
        "commission",
        "committee",
        "company",
        "corporation",
        "council",
        "court",
        "department",
        "foundation",
        "government",
        "group",
        "inc",
        "institute",
        "league",
        "limited",
        "ltd",
        "ministry",
        "network",
        "news",
        "office",
        "organisation",
        "organization",
        "party",
        "police",
        "press",
        "service",
        "society",
        "times",
        "trust",
        "union",
        "university",
    }
)


def claimant_type(claimant: str) -> str:
    """schema.org's type for who made a claim: an ``Organization`` when the name says
    so (a ministry, a party, a council...), else a ``Person`` (Google's rules ask for
    one of the two, not ``Thing``)."""
    words = {word.lower() for word in _WORDS.split(claimant) if word}
    return "Organization" if words & _ORGANISATION_WORDS else "Person"


def public_claim_url(base_url: str, claim_id: int) -> str:
    return base_url.rstrip("/") + PUBLIC_CLAIM_PATH.format(claim_id=claim_id)


@dataclass(frozen=True)
class ReviewedClaim:
    """What a ClaimReview says, from a publication row or a public page's data."""

    claim_id: int
    text: str
    summary: str
    claimant: str
    verdict: str
    rating: int | None
    article_title: str
    article_url: str | None
    outlet: str | None
    #: ISO dates and times.
    published_on: str | None
    approved_at: str | None
    modified_at: str | None = None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> ReviewedClaim:
        """From a publication row (see ``PUBLICATION_COLUMNS``)."""
        (
            title,
            article_url,
            outlet,
            published_on,
            claim_id,
            _position,
            text,
            _start,
            _end,
            claimant,
            summary,
            verdict,
            rating,
            _rationale,
            _sources,
            _count,
            _annotator,
            _reviewer,
            approved_at,
            _state,
            _revision,
            _removed_in,
        ) = row
        return cls(
            claim_id=claim_id,
            text=text,
            summary=summary,
            claimant=claimant,
            verdict=verdict,
            rating=rating,
            article_title=title,
            article_url=article_url,
            outlet=outlet,
            published_on=published_on,
            approved_at=approved_at,
        )


def claim_review(reviewed: ReviewedClaim, *, organisation: dict[str, str], base_url: str) -> dict:
    """One ClaimReview with Google's required and recommended properties where the data
    has them; its ``url`` is the claim's public page under ``base_url``."""
    item: dict[str, Any] = {"@type": "Claim"}
    if reviewed.claimant:
        item["author"] = {"@type": claimant_type(reviewed.claimant), "name": reviewed.claimant}
    appearance: dict[str, Any] = {"@type": "CreativeWork", "headline": reviewed.article_title}
    if reviewed.article_url:
        appearance["url"] = reviewed.article_url
    if reviewed.outlet:
        appearance["publisher"] = {"@type": "Organization", "name": reviewed.outlet}
    if reviewed.published_on:
        appearance["datePublished"] = reviewed.published_on
        item["datePublished"] = reviewed.published_on
    item["appearance"] = appearance
    rating_node: dict[str, Any] = {"@type": "Rating", "alternateName": reviewed.verdict}
    if reviewed.rating is not None:
        rating_node.update(
            ratingValue=reviewed.rating, bestRating=BEST_RATING, worstRating=WORST_RATING
        )
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": public_claim_url(base_url, reviewed.claim_id),
        "claimReviewed": reviewed.summary or reviewed.text,
        "itemReviewed": item,
        "author": {"@type": "Organization", **organisation},
        "reviewRating": rating_node,
    }
    if reviewed.approved_at is not None:
        review["datePublished"] = reviewed.approved_at[:10]
    if reviewed.modified_at is not None:
        review["dateModified"] = reviewed.modified_at[:10]
    return review


def approved_only(filters: ExportFilters) -> ExportFilters:
    """ClaimReview is publication: only approved verdicts, whatever else was asked."""
    return replace(filters, state=AnnotationState.APPROVED)


def claim_reviews(
    connection: Connection,
    filters: ExportFilters,
    *,
    organisation: dict[str, str],
    base_url: str,
) -> Iterator[dict]:
    """The ClaimReviews of the approved verdicts ``filters`` selects, dated as their
    public pages date them: first published, and last corrected."""
    batch: list[ReviewedClaim] = []
    for row in publication_rows(connection, approved_only(filters)):
        batch.append(ReviewedClaim.from_row(row))
        if len(batch) == _DATED_BATCH:
            yield from _dated(connection, batch, organisation, base_url)
            batch = []
    yield from _dated(connection, batch, organisation, base_url)


#: Verdicts whose publication dates are read in one query.
_DATED_BATCH = 500


def _dated(
    connection: Connection,
    batch: list[ReviewedClaim],
    organisation: dict[str, str],
    base_url: str,
) -> Iterator[dict]:
    dates = publication_dates(connection, [reviewed.claim_id for reviewed in batch])
    for reviewed in batch:
        first, modified = dates.get(reviewed.claim_id, (None, None))
        if first is not None:
            reviewed = replace(
                reviewed,
                approved_at=first.astimezone(UTC).isoformat(),
                modified_at=modified.astimezone(UTC).isoformat() if modified else None,
            )
        yield claim_review(reviewed, organisation=organisation, base_url=base_url)


def encode_feed(reviews: Iterator[dict]) -> Iterator[bytes]:
    """A schema.org DataFeed of ClaimReviews, streamed element by element."""
    yield b'{"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": ['
    first = True
    for review in reviews:
        body = {k: v for k, v in review.items() if k != "@context"}
        yield (("" if first else ",") + "\n" + json_ld(body)).encode()
        first = False
    yield b"\n]}\n"
