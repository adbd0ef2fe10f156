"""Writing annotations and their sources; who may see which annotation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext, ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from factcheck.annotations.models import Annotation, Source, Stance
from factcheck.annotations.states import EDITABLE_STATES
from factcheck.articles.lineage import text_change_since
from factcheck.articles.models import Claim
from factcheck.audit.recorder import diff_fields, record
from factcheck.db import utcnow
from factcheck.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from factcheck.i18n import local_number
from factcheck.users.models import User
from factcheck.validators import (
    check_no_bidi,
    check_no_controls,
    is_web_url,
)
from factcheck.verdicts.models import Verdict

MAX_SOURCES = 30
LIMITS = {
    "claimant": 300,
    "claim_summary": 1_000,
    "rationale": 20_000,
    "url": 2_000,
    "title": 500,
    "publisher": 200,
    "quote": 5_000,
    "archive_url": 2_000,
}
#: Fields shown on one line in lists, menus and exports: no text-direction overrides.
SHORT_FIELDS = frozenset({"claimant", "claim_summary", "url", "title", "publisher", "archive_url"})


@dataclass
class SourceInput:
    url: str = ""
    title: str = ""
    publisher: str = ""
    quote: str = ""
    stance: Stance = Stance.CONTEXT
    accessed_on: date | None = None
    #: A copy kept by a web archive (e.g. the Wayback Machine), if any.
    archive_url: str = ""

    def is_blank(self) -> bool:
        return not any(
            (self.url.strip(), self.title.strip(), self.publisher.strip(), self.quote.strip())
        )

    @classmethod
    def like(cls, source: Any) -> SourceInput:
        """The same source as input: from a stored :class:`Source`, or anything with its
        fields (the API's source body)."""
        return cls(
            url=source.url or "",
            title=source.title,
            publisher=source.publisher,
            quote=source.quote,
            stance=source.stance,
            accessed_on=source.accessed_on,
            archive_url=source.archive_url or "",
        )


@dataclass
class AnnotationInput:
    verdict_id: int | None = None
    claimant: str = ""
    claim_summary: str = ""
    rationale: str = ""
    sources: list[SourceInput] = field(default_factory=list)


def validate(session: Session, data: AnnotationInput, *, current_verdict_id: int | None) -> None:
    """Check the input as a whole; collect every problem so the form shows them at once.

    :raises ValidationFailed: with ``fields`` naming each problem (sources as
        ``sources-<n>-<field>``).
    """
    problems: dict[str, list[str]] = {}

    def check_text(field_name: str, value: str, *, limit: int, short: bool) -> None:
        try:
            check_no_controls(field_name, value)
            if short:  # long text keeps them and shows them visibly
                check_no_bidi(field_name, value)
        except ValidationFailed as error:
            problems.update(error.fields)
        if len(value) > limit:
            problems[field_name] = [
                ngettext(
                    "At most %(count)s character.",
                    "At most %(count)s characters.",
                    limit,
                    count=local_number(limit),
                )
            ]

    for name in ("claimant", "claim_summary", "rationale"):
        check_text(name, getattr(data, name), limit=LIMITS[name], short=name in SHORT_FIELDS)
    if data.verdict_id is not None:
        verdict = session.get(Verdict, data.verdict_id)
        if verdict is None:
            problems["verdict"] = [gettext("This verdict does not exist.")]
        elif not verdict.active and verdict.id != current_verdict_id:
            problems["verdict"] = [
                gettext("“%(verdict)s” is retired; choose another verdict.", verdict=verdict.label)
            ]
    sources = [s for s in data.sources if not s.is_blank()]
    if len(sources) > MAX_SOURCES:
        problems["sources"] = [
            ngettext(
                "At most %(num)s source per annotation.",
                "At most %(num)s sources per annotation.",
                MAX_SOURCES,
            )
        ]
    for index, source in enumerate(data.sources):
        if source.is_blank():
            continue
        prefix = f"sources-{index}-"
        url = source.url.strip()
        if url and not is_web_url(url):
            problems[prefix + "url"] = [gettext("Use a full http:// or https:// address.")]
        archive_url = source.archive_url.strip()
        if archive_url and not is_web_url(archive_url):
            problems[prefix + "archive_url"] = [gettext("Use a full http:// or https:// address.")]
        if not url and not source.quote.strip():
            problems[prefix + "quote"] = [gettext("A source needs a URL or a quote.")]
        for name in ("url", "title", "publisher", "quote", "archive_url"):
            check_text(
                prefix + name, getattr(source, name), limit=LIMITS[name], short=name in SHORT_FIELDS
            )
    if problems:
        raise ValidationFailed(
            gettext("Some fields need attention; nothing was saved."), fields=problems
        )


def get_annotation(session: Session, annotation_id: int) -> Annotation:
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound(gettext("There is no such annotation."))
    return annotation


def my_annotation(session: Session, user: User, claim: Claim) -> Annotation | None:
    return session.scalar(
        select(Annotation)
        .options(selectinload(Annotation.sources))
        .where(Annotation.claim_id == claim.id, Annotation.annotator_id == user.id)
    )


def _source_summary(sources: list[Source] | list[SourceInput]) -> list[str]:
    return [f"{s.stance.value}: {s.url or s.quote[:60]}" for s in sources]


def save_annotation(
    session: Session,
    actor: User,
    claim: Claim,
    data: AnnotationInput,
    *,
    expected_version: int | None,
) -> Annotation:
    """Create or update the actor's own annotation of ``claim``.

    :param expected_version: the version the form was loaded with; None when the form
        was for a new annotation.
    :raises StaleVersion: someone (or another tab) saved meanwhile.
    :raises InvalidTransition: the annotation is under review and cannot be edited.
    :raises ValidationFailed: bad fields; nothing is written.
    """
    if not actor.active:
        raise PermissionDenied(gettext("Your account is deactivated."))
    annotation = my_annotation(session, actor, claim)
    if annotation is None and expected_version:
        raise StaleVersion(gettext("This annotation no longer exists; it may have been removed."))
    if not claim.current:
        raise Conflict(
            gettext(
                "Revision %(number)s of the article no longer has this sentence, so it takes "
                "no more annotations. Its annotations are kept as they were.",
                number=claim.removed_in,
            )
        )
    if annotation is not None:
        if expected_version != annotation.version and (
            annotation.revision < claim.article.revision
            and text_change_since(session, claim, annotation.revision) is not None
        ):
            raise StaleVersion(
                gettext(
                    "The article was updated while you were editing: this sentence now reads "
                    "differently. Check your annotation against the new text below and save "
                    "again."
                )
            )
        if expected_version != annotation.version:
            raise StaleVersion(
                gettext(
                    "This annotation was saved elsewhere after you opened it (another tab or "
                    "window?). Compare the versions below and save again."
                )
            )
        if annotation.state not in EDITABLE_STATES:
            raise InvalidTransition(
                gettext(
                    "This annotation is %(state)s; withdraw it from review before editing.",
                    state=annotation.state.label.lower(),
                )
            )
    validate(session, data, current_verdict_id=annotation.verdict_id if annotation else None)

    fields = {
        "verdict_id": data.verdict_id,
        "claimant": data.claimant.strip(),
        "claim_summary": data.claim_summary.strip(),
        "rationale": data.rationale.strip(),
    }
    new_sources = [s for s in data.sources if not s.is_blank()]
    if annotation is None:
        annotation = Annotation(claim_id=claim.id, annotator_id=actor.id, **fields)
        session.add(annotation)
        before: dict[str, object] = dict.fromkeys(fields)
        before["sources"] = []
        action = "annotation:create"
    else:
        before = {name: getattr(annotation, name) for name in fields}
        before["sources"] = _source_summary(annotation.sources)
        for name, value in fields.items():
            setattr(annotation, name, value)
        # Touch the row even when only sources changed, so the version always moves on.
        annotation.updated_at = utcnow()
        action = "annotation:update"
    # Written on the current text: a "text changed since" note is answered.
    annotation.revision = claim.article.revision
    annotation.sources = build_sources(new_sources)
    session.flush()
    after = dict(fields, sources=_source_summary(new_sources))
    record(session, actor, action, "annotation", annotation.id, diff_fields(before, after))
    return annotation


def build_sources(inputs: list[SourceInput]) -> list[Source]:
    """Source rows for validated, non-blank inputs, numbered in their order."""
    return [
        Source(
            position=position,
            url=s.url.strip() or None,
            title=s.title.strip(),
            publisher=s.publisher.strip(),
            quote=s.quote.strip(),
            stance=s.stance,
            accessed_on=s.accessed_on,
            archive_url=s.archive_url.strip() or None,
        )
        for position, s in enumerate(inputs)
    ]
