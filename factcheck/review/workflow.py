"""The review workflow as data: states, actions, and who may take each transition.

One guard, :func:`check_transition`, reads the table; nothing else in the code
decides whether a transition is allowed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import LazyString, lazy_gettext

from factcheck.annotations.states import EDITABLE_STATES, SUBMITTED_OR_LATER, AnnotationState


class Action(enum.StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    REOPEN = "reopen"

    @property
    def label(self) -> str:
        """The action's button: "Request changes"."""
        return str(ACTION_LABELS[self])

    @property
    def past(self) -> str:
        """How a sentence says it was done: "cannot be {past}"."""
        return str(ACTION_WORDS[self][0])

    @property
    def done_message(self) -> str:
        """What the person who took the action is told."""
        return str(ACTION_WORDS[self][1])

    @property
    def needs_comment(self) -> bool:
        """Whether every transition this action takes needs a comment."""
        return all(t.comment_required for t in TRANSITIONS if t.action is self)


#: Each action's button.
ACTION_LABELS: dict[Action, LazyString] = {
    Action.SUBMIT: lazy_gettext("Submit"),
    Action.WITHDRAW: lazy_gettext("Withdraw"),
    Action.APPROVE: lazy_gettext("Approve"),
    Action.REQUEST_CHANGES: lazy_gettext("Request changes"),
    Action.REJECT: lazy_gettext("Reject"),
    Action.REOPEN: lazy_gettext("Reopen"),
}

#: Each action's past tense and done message. A test checks every action has both, so
#: a new action cannot fail after its change was committed.
ACTION_WORDS: dict[Action, tuple[LazyString, LazyString]] = {
    Action.SUBMIT: (lazy_gettext("submitted"), lazy_gettext("Submitted for review.")),
    Action.WITHDRAW: (
        lazy_gettext("withdrawn"),
        lazy_gettext("Withdrawn: it is your draft again."),
    ),
    Action.APPROVE: (
        lazy_gettext("approved"),
        lazy_gettext("Approved: this is now the claim's published verdict."),
    ),
    Action.REQUEST_CHANGES: (
        lazy_gettext("sent back"),
        lazy_gettext("Sent back to the annotator with your comment."),
    ),
    Action.REJECT: (lazy_gettext("rejected"), lazy_gettext("Rejected.")),
    Action.REOPEN: (
        lazy_gettext("reopened"),
        lazy_gettext("Reopened: the verdict is unpublished and waits for review again."),
    ),
}


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

del S, A

__all__ = [
    "EDITABLE_STATES",
    "SUBMITTED_OR_LATER",
    "TRANSITIONS",
    "TRANSITION_TABLE",
    "Action",
    "Actor",
    "AnnotationState",
    "Transition",
]
