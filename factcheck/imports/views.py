"""Adding articles: one pasted or uploaded article, and bulk imports of files."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers.response import Response

from factcheck.articles import operations as article_ops
from factcheck.articles.forms import ArticleForm
from factcheck.errors import DomainError, DuplicateArticle, ValidationFailed
from factcheck.extensions import db
from factcheck.i18n import local_number
from factcheck.imports.operations import import_file
from factcheck.revisions.operations import (
    MatchedArticle,
    OnMatch,
    revise_matched,
    summary_sentence,
)
from factcheck.unit_of_work import show_on_form, unit_of_work
from factcheck.users.auth import current_app_user

bp = Blueprint("imports", __name__)


@bp.route("/articles/new", methods=["GET"])
@login_required
def new() -> str:
    """Show the form to add an article."""
    return render_template("imports/new.html", form=ArticleForm())


@bp.route("/articles", methods=["POST"])
@login_required
def create() -> str | Response:
    """Import an article from pasted text or an uploaded .txt file."""
    form = ArticleForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                body = _body_from_form(form)
                try:
                    revised = revise_matched(
                        db.session,
                        current_app_user(),
                        on_match=OnMatch(form.on_match.data or OnMatch.ASK.value),
                        filename=form.title.data or "",
                        title=form.title.data,
                        url=form.url.data,
                        body=body,
                        max_chars=current_app.config["MAX_ARTICLE_CHARS"],
                        origin="uploaded" if form.body_file.data else "pasted",
                    )
                except MatchedArticle as matched:
                    return render_template(
                        "imports/new.html", form=form, matched=matched.existing
                    ), 409
                if revised is not None:
                    flash(summary_sentence(revised), "success")
                    return redirect(
                        url_for(
                            "revisions.diff",
                            article_id=revised.revision.article_id,
                            number=revised.revision.number,
                        )
                    )
                article = article_ops.import_article(
                    db.session,
                    current_app_user(),
                    title=form.title.data or "",
                    body=body,
                    max_chars=current_app.config["MAX_ARTICLE_CHARS"],
                    outlet=form.outlet.data,
                    url=form.url.data,
                    byline=form.byline.data,
                    published_on=form.published_on.data,
                    language=form.language.data or None,
                )
        except DuplicateArticle as error:
            link = url_for("workspace.show", article_id=error.existing_id)
            # The translated message is markup we wrote; Markup's % escapes the values.
            message = Markup(  # noqa: S704
                gettext('%(message)s <a href="%(url)s">Open the existing article</a>.')
            )
            flash(message % {"message": error.message, "url": link}, "error")
            return render_template("imports/new.html", form=form), 409
        except DomainError as error:
            # An uploaded file stands for the body: its problems show beside the file.
            uploaded = bool(form.body_file.data)
            show_on_form(
                form,
                error,
                aliases={"body": form.body_file} if uploaded else None,
                default_field=form.body_file,
            )
            return render_template("imports/new.html", form=form), error.status_code
        flash(
            ngettext(
                "Imported “%(title)s”: %(count)s claim.",
                "Imported “%(title)s”: %(count)s claims.",
                len(article.claims),
                title=article.title,
                count=local_number(len(article.claims)),
            ),
            "success",
        )
        return redirect(url_for("workspace.show", article_id=article.id))
    return render_template("imports/new.html", form=form), 422


def _body_from_form(form: ArticleForm) -> str:
    upload = form.body_file.data
    pasted = form.body.data or ""
    if upload and upload.filename:
        if pasted.strip():
            message = gettext("Paste the text or upload a file, not both.")
            raise ValidationFailed(message, fields={"body": [message]})
        return article_ops.decode_text_file(upload.read(), filename=upload.filename)
    return pasted


@bp.route("/imports", methods=["GET"])
@login_required
def index() -> str:
    """Show the bulk import form."""
    return render_template("imports/index.html", reports=None, form=FlaskForm())


@bp.route("/imports", methods=["POST"])
@login_required
def bulk_import() -> tuple[str, int]:
    """Import uploaded files; each file is all or nothing, with a report per file."""
    form = FlaskForm()
    files = [f for f in request.files.getlist("files") if f and f.filename]
    try:
        on_match = OnMatch(request.form.get("on_match") or OnMatch.ASK.value)
    except ValueError:
        on_match = None
    if on_match is None:
        flash(gettext("Choose what to do with texts that match an article already here."), "error")
        return render_template("imports/index.html", reports=None, form=form), 422
    if not form.validate_on_submit() or not files:
        flash(gettext("Choose one or more files to import."), "error")
        return render_template("imports/index.html", reports=None, form=form), 422
    # Each file is all or nothing inside import_file (a savepoint each); the files that
    # were imported are committed together.
    with unit_of_work():
        reports = [
            import_file(
                db.session,
                current_app_user(),
                upload.filename or "upload",
                upload.read(),
                max_chars=current_app.config["MAX_ARTICLE_CHARS"],
                on_match=on_match,
            )
            for upload in files
        ]
    status = 200 if all(r.ok for r in reports) else 422
    return render_template("imports/index.html", reports=reports, form=form), status
