"""Saving annotations and workflow actions on them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers.response import Response as BaseResponse

from factcheck.annotations import operations
from factcheck.annotations.forms import AnnotationForm, TransitionForm
from factcheck.articles import operations as article_ops
from factcheck.articles.views import render_workspace
from factcheck.errors import DomainError, StaleVersion, ValidationFailed
from factcheck.extensions import db
from factcheck.forms import all_problems, problems
from factcheck.review import operations as review_ops
from factcheck.review.workflow import Action
from factcheck.users.auth import current_app_user, is_safe_next
from factcheck.verdicts.operations import all_verdicts

bp = Blueprint("annotations", __name__)


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
            flash(f"{problems(form.version)} Reload the page and try again.", "error")
        return render_workspace(claim.article, claim, form=form, status=422)
    try:
        annotation = operations.save_annotation(
            db.session, user, claim, form.to_input(), expected_version=form.expected_version()
        )
        if action == "submit":
            review_ops.apply_action(
                db.session, user, annotation, Action.SUBMIT, expected_version=annotation.version
            )
    except StaleVersion as error:
        db.session.rollback()
        return _conflict_page(claim, form, error)
    except ValidationFailed as error:
        db.session.rollback()
        _show_field_errors(form, error)
        return render_workspace(claim.article, claim, form=form, status=error.status_code)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_workspace(claim.article, claim, form=form, status=error.status_code)
    db.session.commit()
    flash("Submitted for review." if action == "submit" else "Draft saved.", "success")
    return redirect(url_for("articles.claim", claim_id=claim.id))


def _show_field_errors(form: AnnotationForm, error: ValidationFailed) -> None:
    """Put each message beside its field; messages without a field go in the banner."""
    unplaced: list[str] = []
    for name, messages in error.fields.items():
        field = None
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "sources" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(form.sources.entries):
                field = form.sources.entries[index].form._fields.get(parts[2])
        elif name != "sources":
            field = form._fields.get(name)
        if field is None:
            unplaced.extend(messages)
        else:
            field.errors = [*field.errors, *messages]
    flash(" ".join([error.message, *unplaced]), "error")


def _conflict_page(claim, form: AnnotationForm, error: StaleVersion) -> tuple[str, int]:
    """Show the saved version beside the user's, with a form to save a merged version."""
    user = current_app_user()
    current = operations.my_annotation(db.session, user, claim)
    verdicts = {v.id: v for v in all_verdicts(db.session)}
    yours = form.to_input()
    merge_form = AnnotationForm(formdata=None, data=None)
    merge_form.process(formdata=request.form)
    merge_form.version.data = current.version if current else None
    merge_form.set_verdict_choices(
        [v for v in verdicts.values() if v.active], current.verdict if current else None
    )
    page = render_template(
        "annotations/conflict.html",
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
    annotation = operations.get_visible_annotation(db.session, current_app_user(), annotation_id)
    claim = annotation.claim
    form = TransitionForm()
    try:
        action = Action(request.form.get("action", ""))
    except ValueError:
        abort(400, description="Unknown workflow action.")
    if not form.validate_on_submit():
        flash(
            f"Nothing was changed: {all_problems(form) or 'the form was incomplete.'} "
            "Reload the page and try again.",
            "error",
        )
        return render_workspace(claim.article, claim, status=422)
    try:
        review_ops.apply_action(
            db.session,
            current_app_user(),
            annotation,
            action,
            expected_version=form.version.data,
            comment=form.comment.data or "",
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_workspace(claim.article, claim, status=error.status_code)
    db.session.commit()
    flash(action.done_message, "success")
    target = request.form.get("next")
    if is_safe_next(target):
        return redirect(target)  # type: ignore[arg-type]
    return redirect(url_for("articles.claim", claim_id=annotation.claim_id))
