"""“Use this fact-check”: an earlier fact-check fills the annotator's draft.

The verdict is taken where the library's rating names one of ours (our own verdicts
map to themselves; another newsroom's rating text to the verdict of that label or key),
the rationale cites the earlier fact-check, and the fact-check becomes a source. The
annotator still edits and submits; the review rules do not change. The reuse is an
event in the annotation's history.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation, Stance
from factcheck.annotations.operations import (
    AnnotationInput,
    SourceInput,
    my_annotation,
    save_annotation,
)
from factcheck.articles.models import Claim
from factcheck.audit.recorder import record
from factcheck.errors import NotFound
from factcheck.factchecks.matching import shown_to
from factcheck.factchecks.models import FactCheck, normal_rating
from factcheck.factchecks.ratings import mapped_verdict_id
from factcheck.users.models import User
from factcheck.verdicts.models import Verdict


def mapped_verdict(session: Session, entry: FactCheck) -> Verdict | None:
    """Our verdict for the library's rating, if it names one: our own entry's verdict,
    else the admin's mapping of the rating text, else the active verdict whose label or
    key is the rating text."""
    if entry.annotation_id is not None:
        return session.scalar(
            select(Verdict)
            .join(Annotation, Annotation.verdict_id == Verdict.id)
            .where(Annotation.id == entry.annotation_id)
        )
    text = normal_rating(entry.rating_text)
    if not text:
        return None
    mapped = mapped_verdict_id(session, text)
    if mapped is not None:
        return session.get(Verdict, mapped)
    return session.scalar(
        select(Verdict).where(
            Verdict.active.is_(True),
            or_(
                func.lower(Verdict.label) == text,
                func.lower(Verdict.key) == text.replace(" ", "_"),
            ),
        )
    )


def citation(entry: FactCheck) -> str:
    """A sentence for the rationale that cites the earlier fact-check."""
    when = f" on {entry.published_on.isoformat()}" if entry.published_on else ""
    rating = f": {entry.rating_text}" if entry.rating_text else ""
    who = entry.publisher or "An earlier fact-check"
    return f"Checked before: {who}{when} checked “{entry.claim}”{rating}."


def use_factcheck(
    session: Session,
    actor: User,
    claim: Claim,
    factcheck_id: int,
    *,
    expected_version: int | None,
) -> Annotation:
    """Fill ``actor``'s annotation of ``claim`` from a library entry; what is already
    written stays (the citation is added to the rationale, the source to the sources,
    and the verdict is only set if none was chosen).

    :raises NotFound: no such entry, or it was withdrawn.
    :raises StaleVersion, InvalidTransition, ValidationFailed: as for saving.
    """
    # Withdrawn entries, and our verdicts blind annotation hides from ``actor``, are
    # not there for them: the same answer as a missing one.
    entry = session.scalar(
        select(FactCheck).where(
            FactCheck.id == factcheck_id, FactCheck.withdrawn.is_(False), shown_to(actor)
        )
    )
    if entry is None:
        raise NotFound(gettext("That fact-check is not in the library."))
    own = my_annotation(session, actor, claim)
    verdict = mapped_verdict(session, entry)
    sources = [SourceInput.like(source) for source in (own.sources if own else [])]
    if not any(s.url and s.url == entry.url for s in sources):
        sources.append(
            SourceInput(
                url=entry.url or "",
                title=(entry.headline or entry.claim)[:500],
                publisher=entry.publisher,
                quote="" if entry.url else entry.claim[:2000],
                stance=Stance.CONTEXT,
            )
        )
    rationale = (own.rationale if own else "").strip()
    cited = citation(entry)
    if cited not in rationale:
        rationale = f"{rationale}\n\n{cited}".strip()
    data = AnnotationInput(
        verdict_id=(own.verdict_id if own and own.verdict_id else None)
        or (verdict.id if verdict is not None and verdict.active else None),
        claimant=own.claimant if own else "",
        claim_summary=own.claim_summary if own else "",
        rationale=rationale,
        sources=sources,
    )
    annotation = save_annotation(session, actor, claim, data, expected_version=expected_version)
    record(
        session,
        actor,
        "annotation:use_factcheck",
        "annotation",
        annotation.id,
        {
            "factcheck": [None, entry.id],
            "publisher": [None, entry.publisher],
            "url": [None, entry.url],
        },
    )
    return annotation
