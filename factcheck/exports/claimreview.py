"""schema.org ClaimReview JSON-LD for published (approved) verdicts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from factcheck.annotations.states import AnnotationState
from factcheck.exports.csv_export import publication_rows
from factcheck.exports.filters import ExportFilters
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


def claim_review(row: tuple[Any, ...], *, organisation: dict[str, str], base_url: str) -> dict:
    """One ClaimReview from a publication row (see ``PUBLICATION_COLUMNS``)."""
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
    ) = row
    item: dict[str, Any] = {"@type": "Claim"}
    if claimant:
        item["author"] = {"@type": "Thing", "name": claimant}
    appearance: dict[str, Any] = {"@type": "CreativeWork", "headline": title}
    if article_url:
        appearance["url"] = article_url
    if outlet:
        appearance["publisher"] = {"@type": "Organization", "name": outlet}
    if published_on:
        appearance["datePublished"] = published_on
        item["datePublished"] = published_on
    item["appearance"] = appearance
    rating_node: dict[str, Any] = {"@type": "Rating", "alternateName": verdict}
    if rating is not None:
        rating_node.update(ratingValue=rating, bestRating=BEST_RATING, worstRating=WORST_RATING)
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{base_url.rstrip('/')}/claims/{claim_id}",
        "claimReviewed": summary or text,
        "itemReviewed": item,
        "author": {"@type": "Organization", **organisation},
        "reviewRating": rating_node,
    }
    if approved_at is not None:
        review["datePublished"] = approved_at[:10]
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
    for row in publication_rows(connection, approved_only(filters)):
        yield claim_review(row, organisation=organisation, base_url=base_url)


def encode_feed(reviews: Iterator[dict]) -> Iterator[bytes]:
    """A schema.org DataFeed of ClaimReviews, streamed element by element."""
    yield b'{"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": ['
    first = True
    for review in reviews:
        body = {k: v for k, v in review.items() if k != "@context"}
        yield (("" if first else ",") + "\n" + json_ld(body)).encode()
        first = False
    yield b"\n]}\n"
