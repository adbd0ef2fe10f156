"""The review workflow as data: states, actions, and who may take each transition.

One guard, :func:`check_transition`, reads the table; nothing else in the code
decides whether a transition is allowed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


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
        return self.value.replace("_", " ").capitalize()


class Action(enum.StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    REOPEN = "reopen"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Actor(enum.StrEnum):
    """Who may take a transition, relative to the annotation."""

    #: The annotation's author.
    AUTHOR = "author"
    #: A reviewer (or admin) who is not the author: the four-eyes rule.
    OTHER_REVIEWER = "other_reviewer"
    #: Any reviewer or admin, the author included.
    REVIEWER = "reviewer"


@dataclass(frozen=True)
class Transition:
    source: AnnotationState
    action: Action
    target: AnnotationState
    actor: Actor
    comment_required: bool


S, A = AnnotationState, Action

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, A.SUBMIT, S.SUBMITTED, Actor.AUTHOR, comment_required=False),
    Transition(S.SUBMITTED, A.WITHDRAW, S.DRAFT, Actor.AUTHOR, comment_required=False),
    Transition(S.SUBMITTED, A.APPROVE, S.APPROVED, Actor.OTHER_REVIEWER, comment_required=False),
    Transition(
        S.SUBMITTED,
        A.REQUEST_CHANGES,
        S.CHANGES_REQUESTED,
        Actor.OTHER_REVIEWER,
        comment_required=True,
    ),
    Transition(S.SUBMITTED, A.REJECT, S.REJECTED, Actor.OTHER_REVIEWER, comment_required=True),
    Transition(S.CHANGES_REQUESTED, A.SUBMIT, S.SUBMITTED, Actor.AUTHOR, comment_required=False),
    Transition(S.APPROVED, A.REOPEN, S.SUBMITTED, Actor.REVIEWER, comment_required=True),
)

TRANSITION_TABLE: dict[tuple[AnnotationState, Action], Transition] = {
    (t.source, t.action): t for t in TRANSITIONS
}

#: States in which the author may still edit the annotation's content.
EDITABLE_STATES = frozenset({S.DRAFT, S.CHANGES_REQUESTED})

del S, A
