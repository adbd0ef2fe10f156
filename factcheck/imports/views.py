"""Adding articles: one pasted or uploaded article, and bulk imports of files."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers.response import Response

from factcheck.articles import operations as article_ops
from factcheck.articles.forms import ArticleForm
from factcheck.errors import DomainError, DuplicateArticle, ValidationFailed
from factcheck.extensions import db
from factcheck.imports.operations import import_file
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
            body = _body_from_form(form)
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
                language=form.language.data or "en",
            )
        except DuplicateArticle as error:
            db.session.rollback()
            link = url_for("workspace.show", article_id=error.existing_id)
            flash(
                Markup('{} <a href="{}">Open the existing article</a>.').format(
                    error.message, link
                ),
                "error",
            )
            return render_template("imports/new.html", form=form), 409
        except DomainError as error:
            db.session.rollback()
            target = form.body_file if form.body_file.data and "body" in error.fields else None
            for name, messages in error.fields.items():
                field = target or getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, *messages]
            if not error.fields:
                form.body_file.errors = [*form.body_file.errors, error.message]
            return render_template("imports/new.html", form=form), error.status_code
        db.session.commit()
        flash(f"Imported “{article.title}”: {len(article.claims)} claims.", "success")
        return redirect(url_for("workspace.show", article_id=article.id))
    return render_template("imports/new.html", form=form), 422


def _body_from_form(form: ArticleForm) -> str:
    upload = form.body_file.data
    pasted = form.body.data or ""
    if upload and upload.filename:
        if pasted.strip():
            raise ValidationFailed(
                "Paste the text or upload a file, not both.",
                fields={"body": ["Paste the text or upload a file, not both."]},
            )
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
    if not form.validate_on_submit() or not files:
        flash("Choose one or more files to import.", "error")
        return render_template("imports/index.html", reports=None, form=form), 422
    reports = []
    for upload in files:
        report = import_file(
            db.session,
            current_app_user(),
            upload.filename or "upload",
            upload.read(),
            max_chars=current_app.config["MAX_ARTICLE_CHARS"],
        )
        reports.append(report)
    db.session.commit()
    status = 200 if all(r.ok for r in reports) else 422
    return render_template("imports/index.html", reports=reports, form=form), status
