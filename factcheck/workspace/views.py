"""The article list, the article workspace and claim page, saving annotations and
workflow actions on them, segmentation corrections, assignments and my work."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers.response import Response
from werkzeug.wrappers.response import Response as BaseResponse

from factcheck.annotations import operations as annotation_ops
from factcheck.annotations.forms import AnnotationForm, ReuseForm, TransitionForm
from factcheck.annotations.visibility import get_visible_annotation
from factcheck.articles import operations as article_ops
from factcheck.articles.forms import LanguageForm, MergeClaimForm, SplitClaimForm
from factcheck.articles.hints import HINT_NAMES
from factcheck.articles.models import Article, Claim
from factcheck.db import MAX_ID, parse_id
from factcheck.errors import DomainError, StaleVersion, ValidationFailed
from factcheck.extensions import db
from factcheck.factchecks import reuse
from factcheck.factchecks.matching import match_text
from factcheck.factchecks.work import CHECKED_BEFORE, checked_before
from factcheck.forms import all_problems, problems
from factcheck.i18n import local_number
from factcheck.jobs import active_jobs
from factcheck.review import operations as review_ops
from factcheck.review.workflow import Action
from factcheck.unit_of_work import show_on_form, unit_of_work
from factcheck.users import operations as user_ops
from factcheck.users.auth import current_app_user, is_safe_next, role_required
from factcheck.users.models import Role, User
from factcheck.verdicts.operations import all_verdicts
from factcheck.web import has_bidi_controls, visible_bidi
from factcheck.workspace import assignments, corrections
from factcheck.workspace import operations as workspace_ops
from factcheck.workspace.agreement import agreement
from factcheck.workspace.operations import Workspace, build_workspace

bp = Blueprint("workspace", __name__)

_WHITESPACE = re.compile(r"\s+")


@bp.route("/articles", methods=["GET"])
@login_required
def index() -> str:
    """List articles with their progress."""
    after = request.args.get("after", type=parse_id)
    page = workspace_ops.article_page(db.session, after=after)
    return render_template("workspace/index.html", page=page, rows=page.rows, after=after)


@bp.route("/articles/<int:article_id>", methods=["GET"])
@login_required
def show(article_id: int) -> tuple[str, int]:
    """Show the article workspace: the body with every claim in place, and the progress."""
    article = article_ops.get_article(db.session, article_id)
    return render_workspace(article, None)


def render_workspace(
    article: Article,
    selected: Claim | None,
    *,
    form: AnnotationForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """Render the workspace, with the panel of ``selected`` (and ``form``) if given."""
    viewer = current_app_user()
    workspace = build_workspace(db.session, viewer, article, selected)
    hint = request.args.get("hint")
    filters = (*HINT_NAMES, CHECKED_BEFORE)
    workspace.hint = hint if hint in filters else None
    # "checked before" sits with the check-worthiness hints: a badge on each claim a
    # library entry matched, and a filter.
    matched = checked_before(db.session, [claim.id for claim in workspace.claims], viewer)
    hints_of = {
        claim.id: [*claim.hints, CHECKED_BEFORE] if claim.id in matched else claim.hints
        for claim in workspace.claims
    }
    if workspace.hint:
        workspace.matching = [c for c in workspace.claims if workspace.hint in hints_of[c.id]]
    if workspace.panel is not None and form is None:
        form = AnnotationForm.for_annotation(workspace.panel.own)
    if form is not None:
        own = workspace.panel.own if workspace.panel else None
        form.set_verdict_choices(
            [v for v in workspace.verdicts.values() if v.active],
            own.verdict if own is not None else None,
        )
    hint_counts = {n: sum(1 for h in hints_of.values() if n in h) for n in filters}
    article_agreement = agreement(db.session, article) if workspace.panel is None else None
    checked_before_panel = []
    if selected is not None:
        checked_before_panel = match_text(
            db.session,
            selected.text,
            exclude_article_id=article.id,
            shown_only=True,
            viewer=viewer,
        )
    pieces = _pieces(article, workspace, hints_of)
    page = render_template(
        "workspace/workspace.html",
        ws=workspace,
        article=article,
        pieces=pieces,
        any_hints=any(hints_of.values()),
        form=form,
        transition_form=TransitionForm(formdata=None),
        hint_counts=hint_counts,
        hint_labels=HINT_LABELS,
        hint_filters=HINT_FILTERS,
        agreement=article_agreement,
        checked_before=checked_before_panel,
        reuse_form=ReuseForm(formdata=None),
        jobs=active_jobs(db.session, f"article:{article.id}"),
    )
    return page, status


@bp.route("/articles/<int:article_id>/segmentation", methods=["GET"])
@login_required
def segmentation(article_id: int) -> str:
    """Show the page for splitting and merging the claims of an article."""
    article = article_ops.get_article(db.session, article_id)
    return _segmentation_page(article, request.args.get("claim", type=parse_id))


def _segmentation_page(
    article: Article,
    selected_id: int | None,
    *,
    error: str | None = None,
    status: int = 200,
    language_form: LanguageForm | None = None,
) -> tuple[str, int]:
    selected = next((c for c in article.claims if c.id == selected_id), None)
    return render_template(
        "workspace/segmentation.html",
        article=article,
        selected=selected,
        split_pieces=_split_pieces(article.body, selected) if selected else [],
        frozen_ids=corrections.frozen_claim_ids(db.session, article),
        split_form=SplitClaimForm(),
        language_form=language_form or LanguageForm(data={"language": article.language}),
        annotated=corrections.has_annotations(db.session, article),
        error=error,
    ), status


@bp.route("/articles/<int:article_id>/language", methods=["POST"])
@login_required
def language(article_id: int) -> str | tuple[str, int] | Response:
    """Set the article's language and split it again, before anyone annotates it."""
    article = article_ops.get_article(db.session, article_id)
    form = LanguageForm()
    if not form.validate_on_submit():
        return _segmentation_page(
            article,
            None,
            error=gettext(
                "The language was not changed. %(problems)s", problems=all_problems(form)
            ),
            status=422,
            language_form=form,
        )
    try:
        with unit_of_work():
            claims = corrections.change_language(
                db.session,
                current_app_user(),
                article,
                language=form.language.data or "",
                expected=form.expected.data or "",
            )
    except DomainError as error:
        db.session.refresh(article)
        return _segmentation_page(
            article, None, error=error.message, status=error.status_code, language_form=form
        )
    flash(
        ngettext(
            "The article is in %(language)s: split again into %(count)s claim.",
            "The article is in %(language)s: split again into %(count)s claims.",
            claims,
            language=article.language,
            count=local_number(claims),
        ),
        "success",
    )
    return redirect(url_for("workspace.segmentation", article_id=article.id))


def _split_pieces(body: str, claim: Claim) -> list[tuple[str, int | None]]:
    """The claim's text as words and split points: (text, None) or (gap text, body offset)."""
    pieces: list[tuple[str, int | None]] = []
    cursor = claim.start
    for gap in _WHITESPACE.finditer(body, claim.start, claim.end):
        pieces.append((body[cursor : gap.start()], None))
        pieces.append((gap.group(), gap.start()))
        cursor = gap.end()
    pieces.append((body[cursor : claim.end], None))
    return pieces


@bp.route("/claims/<int:claim_id>/split", methods=["POST"])
@login_required
def split(claim_id: int) -> str | tuple[str, int] | Response:
    """Split a claim in two at the chosen point."""
    claim = article_ops.get_claim(db.session, claim_id)
    article = claim.article
    form = SplitClaimForm()
    if not form.validate_on_submit():
        return _segmentation_page(
            article,
            claim.id,
            error=gettext(
                "Nothing was split. %(problems)s",
                problems=all_problems(form) or gettext("Choose where to split the claim."),
            ),
            status=422,
        )
    at = form.at.data
    if at is None and form.offset.data is not None:
        at = claim.start + form.offset.data
    if at is None:
        return _segmentation_page(
            article, claim.id, error=gettext("Choose where to split the claim."), status=422
        )
    try:
        with unit_of_work():
            second = corrections.split_claim(
                db.session,
                current_app_user(),
                claim,
                at=at,
                expected_start=form.expected_start.data,
                expected_end=form.expected_end.data,
            )
    except DomainError as error:
        return _segmentation_page(article, claim_id, error=error.message, status=error.status_code)
    flash(
        gettext(
            "Split claim %(claim)s in two; the new claim is %(new)s.",
            claim=claim.position + 1,
            new=second.position + 1,
        ),
        "success",
    )
    return redirect(url_for("workspace.segmentation", article_id=article.id) + f"#claim-{claim.id}")


@bp.route("/claims/<int:claim_id>/merge", methods=["POST"])
@login_required
def merge(claim_id: int) -> str | tuple[str, int] | Response:
    """Merge a claim with the one after it."""
    claim = article_ops.get_claim(db.session, claim_id)
    article = claim.article
    form = MergeClaimForm()
    if not form.validate_on_submit():
        return _segmentation_page(
            article,
            claim.id,
            error=gettext(
                "Nothing was merged. %(problems)s",
                problems=all_problems(form) or gettext("The merge form was incomplete."),
            ),
            status=422,
        )
    try:
        with unit_of_work():
            corrections.merge_with_next(
                db.session,
                current_app_user(),
                claim,
                expected_end=form.expected_end.data,
                expected_next_id=form.expected_next_id.data,
            )
    except DomainError as error:
        return _segmentation_page(article, claim_id, error=error.message, status=error.status_code)
    flash(
        gettext(
            "Merged claims %(first)s and %(second)s.",
            first=claim.position + 1,
            second=claim.position + 2,
        ),
        "success",
    )
    return redirect(url_for("workspace.segmentation", article_id=article.id) + f"#claim-{claim.id}")


@dataclass(frozen=True, slots=True)
class ClaimPiece:
    """One claim of the article picture, with everything its link shows worked out."""

    id: int
    text: str
    css: str
    href: str
    hints: list[str]
    selected: bool


#: The class that marks each hint on a claim's link; the stylesheet draws the letters
#: and gives screen readers the words (CSS alternative text), so a 1,000-claim page
#: carries a few letters per claim instead of a dozen elements.
HINT_CLASSES = {
    "number": "hn",
    "quote": "hq",
    "attribution": "ha",
    "comparison": "hc",
    "date": "hd",
    "checked before": "hv",
}

#: The hints' names as the interface shows them (badges, the filtered list's heading).
HINT_LABELS = {
    "number": lazy_gettext("number"),
    "quote": lazy_gettext("quote"),
    "attribution": lazy_gettext("attribution"),
    "comparison": lazy_gettext("comparison"),
    "date": lazy_gettext("date"),
    CHECKED_BEFORE: lazy_gettext("checked before"),
}
#: Each hint's filter link in the workspace's toolbar.
HINT_FILTERS = {
    "number": lazy_gettext("with number"),
    "quote": lazy_gettext("with quote"),
    "attribution": lazy_gettext("with attribution"),
    "comparison": lazy_gettext("with comparison"),
    "date": lazy_gettext("with date"),
    CHECKED_BEFORE: lazy_gettext("checked before"),
}


def _pieces(
    article: Article, workspace: Workspace, hints_of: dict[int, list[str]]
) -> list[tuple[str, str | ClaimPiece]]:
    """The body as alternating ("gap", text) and ("claim", ClaimPiece) pieces, in order.

    Worked out here rather than in the template: a 1,000-claim article made the
    template call url_for, the hint list and the ORM attributes thousands of times.
    """
    body = article.body
    selected_id = workspace.panel.claim.id if workspace.panel else None
    # One URL built by Flask (a None hint is left out), the others by putting each id
    # in its place.
    hint = workspace.hint
    sample = url_for("workspace.claim", claim_id=MAX_ID, hint=hint)
    before, _, after = sample.partition(str(MAX_ID))
    pieces: list[tuple[str, str | ClaimPiece]] = []
    cursor = 0
    # Text-direction controls are rare: look for them once in the body, not per claim.
    shown = visible_bidi if has_bidi_controls(body) else str
    for claim in article.claims:
        if claim.start > cursor:
            pieces.append(("gap", shown(body[cursor : claim.start])))
        status = workspace.statuses.get(claim.id)
        hints = hints_of[claim.id]
        # Only what differs from a plain sentence nobody has started: a 1,000-claim page
        # repeats these a thousand times.
        classes = "claim"
        if claim.kind.value != "sentence":
            classes += f" kind-{claim.kind.value}"
        if status is not None and status.css:
            classes += f" {status.css}"
        for name in hints:
            # A hint without a class (and letters in the stylesheet) fails here, loudly.
            classes += f" {HINT_CLASSES[name]}"
        if hint and hint in hints:
            classes += " match"
        if claim.id == selected_id:
            classes += " selected"
        piece = ClaimPiece(
            claim.id,
            shown(body[claim.start : claim.end]),
            classes,
            f"{before}{claim.id}{after}",
            hints,
            claim.id == selected_id,
        )
        pieces.append(("claim", piece))
        cursor = claim.end
    if cursor < len(body):
        pieces.append(("gap", shown(body[cursor:])))
    return pieces


@bp.route("/claims/<int:claim_id>", methods=["GET"])
@login_required
def claim(claim_id: int) -> tuple[str, int]:
    """Show the workspace with one claim selected: its annotation form, sources and history."""
    claim = article_ops.get_claim(db.session, claim_id)
    return render_workspace(claim.article, claim)


@bp.route("/my-work", methods=["GET"])
@login_required
def my_work() -> str:
    """Show the user's returned annotations, drafts and assigned articles."""
    return render_template(
        "workspace/my_work.html", work=assignments.my_work(db.session, current_app_user())
    )


@bp.route("/articles/<int:article_id>/assignments", methods=["GET", "POST"])
@role_required(Role.REVIEWER)
def assignments_page(article_id: int) -> tuple[str, int] | Response:
    """Show and change who works on an article."""
    article = article_ops.get_article(db.session, article_id)
    status = 200
    if request.method == "POST":
        form = FlaskForm()
        if form.validate_on_submit():
            try:
                with unit_of_work():
                    annotator = user_ops.get_user(db.session, _chosen_user_id())
                    if request.form.get("action") == "remove":
                        assignments.unassign(db.session, current_app_user(), article, annotator)
                        message = gettext(
                            "%(name)s no longer has this article.", name=annotator.name
                        )
                    else:
                        assignments.assign(db.session, current_app_user(), article, annotator)
                        message = gettext("Assigned to %(name)s.", name=annotator.name)
            except DomainError as error:
                flash(error.message, "error")
                status = error.status_code
            else:
                flash(message, "success")
                return redirect(url_for("workspace.assignments_page", article_id=article.id))
    current = assignments.assignees(db.session, article)
    taken = {a.annotator_id for a in current}
    candidates = [
        u
        for u in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
        if u.id not in taken
    ]
    page = render_template(
        "workspace/assignments.html", article=article, assignments=current, candidates=candidates
    )
    return page, status


def _chosen_user_id() -> int:
    """:raises ValidationFailed: the posted user id is not an id."""
    try:
        return parse_id(request.form.get("user_id", ""))
    except ValueError:
        raise ValidationFailed(gettext("Choose a user from the list.")) from None


@bp.route("/claims/<int:claim_id>/factchecks/<int:factcheck_id>/use", methods=["POST"])
@login_required
def use_factcheck(claim_id: int, factcheck_id: int) -> tuple[str, int] | BaseResponse:
    """Fill the user's draft of a claim from an earlier fact-check (“Use this fact-check”)."""
    claim = article_ops.get_claim(db.session, claim_id)
    form = ReuseForm()
    if not form.validate_on_submit():
        flash(
            gettext("%(problems)s Reload the page and try again.", problems=all_problems(form)),
            "error",
        )
        return render_workspace(claim.article, claim, status=422)
    version = form.version.data or None
    try:
        with unit_of_work():
            reuse.use_factcheck(
                db.session, current_app_user(), claim, factcheck_id, expected_version=version
            )
    except DomainError as error:
        flash(error.message, "error")
        return render_workspace(claim.article, claim, status=error.status_code)
    flash(
        gettext("The earlier fact-check is in your draft: check it, edit it and submit."),
        "success",
    )
    return redirect(url_for("workspace.claim", claim_id=claim.id))


@bp.route("/claims/<int:claim_id>/annotation", methods=["POST"])
@login_required
def save(claim_id: int) -> tuple[str, int] | BaseResponse:
    """Save the user's own annotation of a claim as a draft, or save and submit it."""
    claim = article_ops.get_claim(db.session, claim_id)
    user = current_app_user()
    form = AnnotationForm()
    action = request.form.get("action", "save")
    if action == "add_source":
        # Without JavaScript, "Add another source" round-trips the form with a blank row.
        form.sources.append_entry()
        return render_workspace(claim.article, claim, form=form)
    if not form.validate_on_submit():
        if form.version.errors:  # a hidden field: say what is wrong in the banner
            flash(
                gettext(
                    "%(problems)s Reload the page and try again.", problems=problems(form.version)
                ),
                "error",
            )
        return render_workspace(claim.article, claim, form=form, status=422)
    try:
        with unit_of_work():
            annotation = annotation_ops.save_annotation(
                db.session, user, claim, form.to_input(), expected_version=form.expected_version()
            )
            if action == "submit":
                review_ops.apply_action(
                    db.session, user, annotation, Action.SUBMIT, expected_version=annotation.version
                )
    except StaleVersion as error:
        return _conflict_page(claim, form, error)
    except DomainError as error:
        # A long form: the banner says something is wrong, the fields say what.
        show_on_form(form, error, always_flash=True)
        return render_workspace(claim.article, claim, form=form, status=error.status_code)
    flash(
        gettext("Submitted for review.") if action == "submit" else gettext("Draft saved."),
        "success",
    )
    return redirect(url_for("workspace.claim", claim_id=claim.id))


def _conflict_page(claim, form: AnnotationForm, error: StaleVersion) -> tuple[str, int]:
    """Show the saved version beside the user's, with a form to save a merged version."""
    user = current_app_user()
    current = annotation_ops.my_annotation(db.session, user, claim)
    verdicts = {v.id: v for v in all_verdicts(db.session)}
    yours = form.to_input()
    merge_form = AnnotationForm(formdata=None, data=None)
    merge_form.process(formdata=request.form)
    merge_form.version.data = current.version if current else None
    merge_form.set_verdict_choices(
        [v for v in verdicts.values() if v.active], current.verdict if current else None
    )
    page = render_template(
        "workspace/conflict.html",
        claim=claim,
        article=claim.article,
        current=current,
        yours=yours,
        your_sources=[source for source in yours.sources if not source.is_blank()],
        verdicts=verdicts,
        form=merge_form,
        message=error.message,
    )
    return page, 409


@bp.route("/annotations/<int:annotation_id>/transition", methods=["POST"])
@login_required
def transition(annotation_id: int) -> tuple[str, int] | BaseResponse:
    """Take a workflow action (submit, withdraw, approve, ...) on an annotation."""
    annotation = get_visible_annotation(db.session, current_app_user(), annotation_id)
    claim = annotation.claim
    form = TransitionForm()
    try:
        action = Action(request.form.get("action", ""))
    except ValueError:
        abort(400, description=gettext("Unknown workflow action."))
    if not form.validate_on_submit():
        flash(
            gettext(
                "Nothing was changed: %(problems)s Reload the page and try again.",
                problems=all_problems(form) or gettext("the form was incomplete."),
            ),
            "error",
        )
        return render_workspace(claim.article, claim, status=422)
    try:
        with unit_of_work():
            review_ops.apply_action(
                db.session,
                current_app_user(),
                annotation,
                action,
                expected_version=form.version.data,
                comment=form.comment.data or "",
            )
    except DomainError as error:
        flash(error.message, "error")
        return render_workspace(claim.article, claim, status=error.status_code)
    flash(action.done_message, "success")
    target = request.form.get("next")
    if is_safe_next(target):
        return redirect(target)  # type: ignore[arg-type]
    return redirect(url_for("workspace.claim", claim_id=annotation.claim_id))
