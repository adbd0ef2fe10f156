"""Pages for an article's revisions: the history, a new text, a diff, mapping by hand."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.wrappers.response import Response

from factcheck.articles import operations as article_ops
from factcheck.articles.html import extract_article, looks_binary
from factcheck.articles.models import Article, Claim, ClaimLink
from factcheck.articles.revisions import DiffRow, diff_revisions
from factcheck.errors import DomainError, NotFound, ValidationFailed
from factcheck.extensions import db
from factcheck.i18n import local_number
from factcheck.revisions import operations as revision_ops
from factcheck.revisions.forms import REMOVED_CHOICE, MapClaimForm, RevisionForm
from factcheck.unit_of_work import show_on_form, unit_of_work
from factcheck.users.auth import current_app_user

bp = Blueprint("revisions", __name__)


def _history_page(article: Article, *, form: RevisionForm | None = None) -> str:
    user = current_app_user()
    return render_template(
        "revisions/history.html",
        article=article,
        revisions=revision_ops.revision_list(db.session, article),
        waiting=revision_ops.waiting_mappings(db.session, article),
        removed=revision_ops.removed_claims(db.session, article, user),
        may_revise=revision_ops.may_revise(user),
        map_form=MapClaimForm(),
        removed_choice=REMOVED_CHOICE,
    )


@bp.route("/articles/<int:article_id>/revisions", methods=["GET"])
@login_required
def history(article_id: int) -> str:
    """Show an article's revisions, the claims waiting to be mapped and the removed ones."""
    article = article_ops.get_article(db.session, article_id)
    return _history_page(article)


@bp.route("/articles/<int:article_id>/revisions/new", methods=["GET"])
@login_required
def new(article_id: int) -> tuple[str, int]:
    """Show the form for a new text of the article."""
    article = article_ops.get_article(db.session, article_id)
    form = RevisionForm(expected_revision=article.revision)
    status = 200 if revision_ops.may_revise(current_app_user()) else 403
    return _new_page(article, form, ask_confirmation=False), status


def _new_page(article: Article, form: RevisionForm, *, ask_confirmation: bool) -> str:
    return render_template(
        "revisions/new.html",
        article=article,
        form=form,
        ask_confirmation=ask_confirmation,
        may_revise=revision_ops.may_revise(current_app_user()),
    )


@bp.route("/articles/<int:article_id>/revisions", methods=["POST"])
@login_required
def create(article_id: int) -> tuple[str, int] | Response:
    """Make the posted text the article's current one."""
    article = article_ops.get_article(db.session, article_id)
    form = RevisionForm()
    if not form.validate_on_submit():
        return _new_page(article, form, ask_confirmation=False), 422
    try:
        with unit_of_work():
            body, origin = _body_from_form(form)
            result = revision_ops.revise_article(
                db.session,
                current_app_user(),
                article,
                body,
                expected_revision=form.expected_revision.data,
                origin=origin,
                max_chars=current_app.config["MAX_ARTICLE_CHARS"],
                confirmed_different=bool(form.confirm_different.data),
            )
    except DomainError as error:
        db.session.refresh(article)
        ask = isinstance(error, revision_ops.DifferentText)
        uploaded = bool(form.body_file.data)
        show_on_form(
            form,
            error,
            always_flash=True,
            aliases={"body": form.body_file} if uploaded else None,
            default_field=form.body_file if uploaded else form.body,
        )
        return _new_page(article, form, ask_confirmation=ask), error.status_code
    flash(revision_ops.summary_sentence(result), "success")
    return redirect(url_for("revisions.diff", article_id=article.id, number=result.revision.number))


def _body_from_form(form: RevisionForm) -> tuple[str, str]:
    """The new text and how it came.

    :raises ValidationFailed: both or neither given, or a file that holds no text.
    """
    upload = form.body_file.data
    pasted = form.body.data or ""
    if upload and upload.filename:
        if pasted.strip():
            message = gettext("Paste the text or upload a file, not both.")
            raise ValidationFailed(message, fields={"body": [message]})
        data = upload.read()
        if upload.filename.lower().endswith((".html", ".htm")):
            if looks_binary(data):
                message = gettext(
                    "%(filename)s looks like a binary file, not HTML.", filename=upload.filename
                )
                raise ValidationFailed(message, fields={"body": [message]})
            page = extract_article(data)
            if page is None:
                message = gettext(
                    "No article text was found in %(filename)s.", filename=upload.filename
                )
                raise ValidationFailed(message, fields={"body": [message]})
            return page.body, "url"
        return article_ops.decode_text_file(data, filename=upload.filename), "uploaded"
    if not pasted.strip():
        message = gettext("Paste the new text or upload a file.")
        raise ValidationFailed(message, fields={"body": [message]})
    return pasted, "pasted"


@bp.route("/articles/<int:article_id>/revisions/<int:number>", methods=["GET"])
@login_required
def diff(article_id: int, number: int) -> str:
    """Show what changed between two revisions (by default, this one and the one before)."""
    article = article_ops.get_article(db.session, article_id)
    if not 1 <= number <= article.revision:
        raise NotFound(gettext("This article has no such revision."))
    against = request.args.get("against", type=int)
    if against is None:
        against = number - 1
    if not 0 <= against <= article.revision or against == number:
        raise NotFound(gettext("This article has no such revision to compare with."))
    older, newer = sorted((against, number))
    new_body, new_spans = revision_ops.text_and_spans(db.session, article, newer)
    if older:
        old_body, old_spans = revision_ops.text_and_spans(db.session, article, older)
        rows = diff_revisions(old_body, old_spans, new_body, new_spans)
    else:
        # The imported text on its own: every sentence as it read.
        old_body, old_spans = "", []
        rows = [DiffRow("equal", None, index, []) for index in range(len(new_spans))]
    return render_template(
        "revisions/diff.html",
        article=article,
        older=older,
        newer=newer,
        rows=rows,
        old_body=old_body,
        new_body=new_body,
        old_spans=old_spans,
        new_spans=new_spans,
        revisions=revision_ops.revision_list(db.session, article),
        changes=sum(row.kind != "equal" for row in rows),
    )


@bp.route("/revisions/links/<int:link_id>", methods=["POST"])
@login_required
def map_claim(link_id: int) -> tuple[str, int] | Response:
    """Settle which sentence of the new text a claim is now."""
    link = db.session.get(ClaimLink, link_id)
    if link is None:
        raise NotFound(gettext("There is no such claim to map."))
    article = article_ops.get_article(db.session, link.revision.article_id)
    form = MapClaimForm()
    try:
        if not form.validate_on_submit():
            message = "; ".join(form.choice.errors) or gettext("The form expired; try again.")
            raise ValidationFailed(message)
        choice = form.choice.data or ""
        successor_id = None if choice == REMOVED_CHOICE else _claim_id(choice)
        with unit_of_work():
            revision_ops.resolve_mapping(db.session, current_app_user(), link, successor_id)
    except DomainError as error:
        flash(error.message, "error")
        return _history_page(article), error.status_code
    flash(
        gettext("Mapped: the claim is now sentence %(number)s.", number=_position_of(link))
        if successor_id is not None
        else gettext("Noted: the claim's sentence was removed from the article."),
        "success",
    )
    return redirect(url_for("revisions.history", article_id=article.id))


def _claim_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise ValidationFailed(gettext("Choose a sentence, or “removed”."))
    return int(value)


def _position_of(link: ClaimLink) -> str:
    successor = db.session.get(Claim, link.successor_id) if link.successor_id else None
    return local_number(successor.position + 1) if successor and successor.current else "?"
