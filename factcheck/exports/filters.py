"""What to export: one set of filters shared by the web page, the CLI and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import Article, Claim
from factcheck.db import parse_id, within_days
from factcheck.errors import ValidationFailed
from factcheck.verdicts.models import Verdict


@dataclass(frozen=True)
class ExportFilters:
    article_id: int | None = None
    #: Inclusive range on the annotation's last change (for approved ones, the approval).
    date_from: date | None = None
    date_to: date | None = None
    verdict_key: str | None = None
    #: None means every state; the publication exports default to approved only.
    state: AnnotationState | None = AnnotationState.APPROVED
    #: One claim only (its ClaimReview document).
    claim_id: int | None = None

    @classmethod
    def parse(
        cls,
        *,
        article: Any = None,
        date_from: Any = None,
        date_to: Any = None,
        verdict: Any = None,
        state: Any = "approved",
    ) -> ExportFilters:
        """Build filters from text (form fields, CLI options, query strings).

        :raises ValidationFailed: a value that cannot be understood, or an empty range.
        """
        problems: dict[str, list[str]] = {}

        def day(name: str, value: Any) -> date | None:
            if value in (None, ""):
                return None
            if isinstance(value, date):
                return value
            try:
                return date.fromisoformat(str(value))
            except ValueError:
                problems[name] = [
                    gettext("“%(value)s” is not a date (use YYYY-MM-DD).", value=value)
                ]
                return None

        article_id = None
        if article not in (None, ""):
            try:
                article_id = parse_id(article)
            except ValueError:
                problems["article"] = [gettext("Choose an article from the list.")]
        start, end = day("date_from", date_from), day("date_to", date_to)
        if start and end and start > end:
            problems["date_to"] = [
                gettext("The end date is before the start date: nothing can match.")
            ]
        chosen_state: AnnotationState | None = None
        if state not in (None, "", "all"):
            try:
                chosen_state = AnnotationState(str(state))
            except ValueError:
                problems["state"] = [gettext("“%(state)s” is not a state.", state=state)]
        if problems:
            raise ValidationFailed(gettext("The export filters need attention."), fields=problems)
        return cls(article_id, start, end, (verdict or None), chosen_state)

    def check_known(self, session: Session) -> None:
        """Refuse an article or verdict that does not exist.

        A typo in ``--verdict`` or an article deleted since the page was loaded would
        otherwise export an empty file that looks like "nothing published yet".

        :raises ValidationFailed: naming the field, and for verdicts the keys there are.
        """
        problems: dict[str, list[str]] = {}
        if self.article_id is not None and session.get(Article, self.article_id) is None:
            problems["article"] = [gettext("There is no article %(id)s.", id=self.article_id)]
        if self.verdict_key:
            keys = list(session.scalars(select(Verdict.key).order_by(Verdict.sort_order)))
            if self.verdict_key not in keys:
                problems["verdict"] = [
                    gettext(
                        "“%(key)s” is not a verdict; the verdicts are %(keys)s.",
                        key=self.verdict_key[:40],
                        keys=", ".join(keys),
                    )
                ]
        if problems:
            raise ValidationFailed(gettext("The export filters need attention."), fields=problems)

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions on Annotation (joined to Claim and Verdict)."""
        found: list[ColumnElement[bool]] = []
        if self.state is not None:
            found.append(Annotation.state == self.state)
        if self.article_id is not None:
            found.append(Claim.article_id == self.article_id)
        if self.claim_id is not None:
            found.append(Claim.id == self.claim_id)
        if self.verdict_key:
            found.append(Verdict.key == self.verdict_key)
        found.extend(within_days(Annotation.updated_at, self.date_from, self.date_to))
        return found

    def describe(self) -> dict[str, Any]:
        """For the audit event: what was exported."""
        return {
            "article": self.article_id,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "verdict": self.verdict_key,
            "state": self.state.value if self.state else "all",
        }
