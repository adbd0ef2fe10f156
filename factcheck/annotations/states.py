"""The states an annotation can be in, and what each state means.

Here rather than in ``review/workflow.py`` so that the annotations' tables can name
their states without importing the review package; the transitions between the
states are the workflow's.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext


class AnnotationState(enum.StrEnum):
    #: Being written by its author; invisible to other annotators.
    DRAFT = "draft"
    #: Waiting for a reviewer.
    SUBMITTED = "submitted"
    #: Sent back to the author with a comment.
    CHANGES_REQUESTED = "changes_requested"
    #: The claim's published verdict.
    APPROVED = "approved"
    #: Refused by a reviewer; kept for the record.
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """What the interface calls the state, in the reader's language."""
        return str(_STATE_LABELS[self])

    @property
    def editable(self) -> bool:
        """Whether the author may still change the annotation's content."""
        return self in EDITABLE_STATES

    @property
    def sent_for_review(self) -> bool:
        """Whether the annotation was submitted at least once (its claim is then frozen,
        it counts as done for progress and agreement, others may see it)."""
        return self in SUBMITTED_OR_LATER


_STATE_LABELS = {
    AnnotationState.DRAFT: lazy_gettext("Draft"),
    AnnotationState.SUBMITTED: lazy_gettext("Submitted"),
    AnnotationState.CHANGES_REQUESTED: lazy_gettext("Changes requested"),
    AnnotationState.APPROVED: lazy_gettext("Approved"),
    AnnotationState.REJECTED: lazy_gettext("Rejected"),
}

#: States in which the author may still edit the annotation's content.
EDITABLE_STATES = frozenset({AnnotationState.DRAFT, AnnotationState.CHANGES_REQUESTED})

#: Every state but draft: the annotation was sent for review at least once.
SUBMITTED_OR_LATER = frozenset(s for s in AnnotationState if s is not AnnotationState.DRAFT)
