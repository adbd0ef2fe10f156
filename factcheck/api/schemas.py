"""Request and response shapes of the JSON API.

These pydantic models validate what comes in, serialise what goes out, and are the
source of the OpenAPI document: nothing about the API's data is written twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from factcheck.annotations.models import Stance
from factcheck.articles.operations import LANGUAGE_TAG, MAX_LANGUAGE_CHARS
from factcheck.db import MAX_ID
from factcheck.review.workflow import Action, AnnotationState

#: JSON integers only, within the 32-bit range of every id and version column. Strict:
#: pydantic would otherwise take true, 1.0, "1", " 1" or "0_1" as 1, and any number of
#: digits.
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
Version = Annotated[int, Field(strict=True, ge=0, le=MAX_ID)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
ShortText = Annotated[str, StringConstraints(max_length=300)]
Url = Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://\S+$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(Model):
    code: str = Field(description="Machine-readable reason, e.g. stale_version.")
    message: str = Field(description="What went wrong, for people.")
    fields: dict[str, list[str]] = Field(default_factory=dict)
    request_id: str | None = Field(
        default=None,
        description="This request's id (also in the X-Request-Id header): quote it to "
        "whoever reads the server's log.",
    )


class Error(Model):
    error: ErrorBody


class Page(Model):
    next_cursor: str | None = Field(
        description="Pass as ?cursor= to get the next page; null on the last page."
    )


class VerdictOut(Model):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    key: str
    label: str
    description: str
    rating: int | None
    colour: str
    active: bool


class VerdictList(Model):
    items: list[VerdictOut]


class ClaimOut(Model):
    id: int
    article_id: int
    position: int
    start: int = Field(description="Python string index (code points) into the article body.")
    end: int
    text: str
    kind: Literal["sentence", "heading", "caption", "byline", "list_item"]
    hints: list[str]


class ArticleSummary(Model):
    id: int
    title: str
    outlet: str | None
    url: str | None
    published_on: date | None
    language: str
    claims: int
    imported_at: datetime


class ArticlePage(Page):
    items: list[ArticleSummary]


class ArticleOut(ArticleSummary):
    byline: str | None
    body: str
    body_sha256: str
    claim_list: list[ClaimOut] = Field(description="The claims, in order, with exact offsets.")


class ArticleCreate(Model):
    title: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=1_000_000)]
    outlet: Annotated[str, StringConstraints(max_length=200)] | None = None
    url: Url | None = None
    byline: Annotated[str, StringConstraints(max_length=500)] | None = None
    published_on: date | None = None
    #: Left out: detected from the text.
    language: (
        Annotated[str, StringConstraints(max_length=MAX_LANGUAGE_CHARS, pattern=LANGUAGE_TAG)]
        | None
    ) = None


class SourceIn(Model):
    url: Url | None = None
    title: Annotated[str, StringConstraints(max_length=500)] = ""
    publisher: Annotated[str, StringConstraints(max_length=200)] = ""
    quote: Annotated[str, StringConstraints(max_length=5000)] = ""
    stance: Stance = Stance.CONTEXT
    accessed_on: date | None = None
    archive_url: Url | None = None


class SourceOut(Model):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    url: str | None
    title: str
    publisher: str
    quote: str
    stance: Stance
    accessed_on: date | None
    archive_url: str | None


class ReviewOut(Model):
    reviewer: str
    decision: Literal["approve", "request_changes", "reject"]
    comment: str
    created_at: datetime


class AnnotationOut(Model):
    id: int
    claim_id: int
    annotator: str = Field(description="The annotator's email.")
    verdict: str | None = Field(description="Verdict key.")
    claimant: str
    claim_summary: str
    rationale: str
    state: AnnotationState
    version: int = Field(description="Send it back when you change the annotation.")
    submitted_at: datetime | None
    updated_at: datetime
    sources: list[SourceOut]
    reviews: list[ReviewOut]


class AnnotationIn(Model):
    verdict: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        default=None, description="Verdict key from GET /verdicts."
    )
    claimant: ShortText = ""
    claim_summary: Annotated[str, StringConstraints(max_length=1000)] = ""
    rationale: Text = ""
    sources: Annotated[list[SourceIn], Field(max_length=30)] = []
    version: Version | None = Field(
        default=None, description="The version you read; null to create your annotation."
    )


class EventOut(Model):
    at: datetime
    actor: str | None
    action: str
    diff: dict


class ClaimDetail(ClaimOut):
    annotations: list[AnnotationOut] = Field(
        description="Yours, and others' submitted ones once yours is submitted (blind "
        "annotation); reviewers see all submitted ones."
    )
    history: list[EventOut]


class TransitionIn(Model):
    version: Version = Field(description="The annotation version you decided on.")
    comment: Annotated[str, StringConstraints(max_length=10_000)] = ""


class QueuePage(Page):
    items: list[AnnotationOut]
    total: int


class ExportIn(Model):
    article: Id | None = None
    date_from: date | None = None
    date_to: date | None = None
    verdict: Annotated[str, StringConstraints(max_length=40)] | None = None
    state: AnnotationState | Literal["all"] | None = None
    bom: bool = False


ACTIONS = [action.value for action in Action]


class FacetValue(Model):
    value: str = Field(description="Pass as the filter's parameter to narrow to it.")
    label: str
    count: int = Field(description="Results with this value, counting the other filters.")


class SearchHitOut(Model):
    kind: Literal["claim", "article"]
    article_id: int
    article_title: str
    outlet: str | None
    imported_at: datetime
    claim_id: int | None
    position: int | None = Field(description="The claim's place in its article, from 0.")
    text: str = Field(description="The claim's text, or the article's title.")
    snippet: str = Field(description="Where the words matched, as plain text.")
    snippet_html: str = Field(description="The same, escaped, with <mark> around matches.")
    matched_in: Literal["claim", "annotation", "article", ""]
    state: AnnotationState | None = Field(
        description="The most advanced state among the annotations you may see."
    )
    published_verdict: str | None = Field(description="The approved verdict's key, if any.")


class SearchPage(Page):
    query: str = Field(description="The search as it was read.")
    total: int = Field(
        description="Every result, when complete; else the results among the newest matches."
    )
    complete: bool = Field(
        description=(
            "False when so many things matched that the results, total and facets are "
            "those among the newest matches; ask again with all=true for every one."
        )
    )
    newest_since: datetime | None = Field(
        description="When incomplete: the import time of the oldest article searched."
    )
    items: list[SearchHitOut]
    facets: dict[str, list[FacetValue]]
    languages: list[str] = Field(
        description=(
            "The languages the articles are in (primary subtags, English first): the "
            "values the language filter takes."
        )
    )


class FactCheckOut(Model):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    id: int
    origin: Literal["imported", "ours"] = Field(
        description="Imported from a file, or one of our own approved verdicts."
    )
    external_id: str | None = Field(description="The source's own id for it.")
    claim: str = Field(description="The claim as it was checked.")
    headline: str
    rating_text: str = Field(description="The rating as published.")
    rating_value: float | None
    rating_worst: float | None
    rating_best: float | None
    publisher: str
    url: str | None
    published_on: date | None
    language: str


class MatchOut(Model):
    factcheck: FactCheckOut
    score: float = Field(
        description="How likely the entry checks the same claim, 0 to 1 (the matcher's order "
        "can differ slightly: it also weighs the other candidates)."
    )
    strength: Literal["strong", "suggestion"] | None = Field(
        description="strong: very likely the same claim; suggestion: perhaps; null: below."
    )
    across_languages: bool = Field(
        default=False,
        description="The entry is in another language than the claim and stands far ahead "
        "of the other candidates: a suggestion whatever its score (a translation shares few "
        "words, so its score stays low).",
    )


class MatchList(Model):
    items: list[MatchOut] = Field(description="Best first.")


class MatchIn(Model):
    text: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
    limit: Annotated[int, Field(ge=1, le=50)] = 5


class FactCheckPage(Page):
    items: list[FactCheckOut]
    total: int = Field(description="Entries in the library (all of them, or matching q).")


class LibraryImportIn(Model):
    filename: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Its ending says the format: .json or .jsonld (ClaimReview), .csv, .tsv."
    )
    content: Annotated[str, StringConstraints(min_length=1, max_length=64 * 1024 * 1024)]
    columns: dict[
        Literal[
            "external_id",
            "claim",
            "headline",
            "rating_text",
            "url",
            "published_on",
            "publisher",
            "language",
        ],
        Annotated[str, StringConstraints(min_length=1, max_length=100)],
    ] = Field(default_factory=dict, description="A table's columns: header name or number.")
    publisher: Annotated[str, StringConstraints(max_length=200)] | None = None
    language: Annotated[str, StringConstraints(max_length=35)] | None = None


class LibraryReportOut(Model):
    filename: str
    added: int
    already: int = Field(description="Entries the library already had, left as they were.")
    problems: list[str] = Field(description="Why the file was refused; empty when imported.")
