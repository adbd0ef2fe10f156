"""Article list, adding an article, the article page and the claim page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import login_required
from markupsafe import Markup
from werkzeug.wrappers.response import Response

from factcheck.articles import operations
from factcheck.articles.forms import ArticleForm
from factcheck.articles.models import Article
from factcheck.errors import DomainError, DuplicateArticle, ValidationFailed
from factcheck.extensions import db
from factcheck.users.auth import current_app_user

bp = Blueprint("articles", __name__)


@bp.route("/articles", methods=["GET"])
@login_required
def index() -> str:
    """List articles with their progress."""
    rows = operations.list_articles_with_progress(db.session)
    return render_template("articles/index.html", rows=rows)


@bp.route("/articles/new", methods=["GET"])
@login_required
def new() -> str:
    """Show the form to add an article."""
    return render_template("articles/new.html", form=ArticleForm())


@bp.route("/articles", methods=["POST"])
@login_required
def create() -> str | Response:
    """Import an article from pasted text or an uploaded .txt file."""
    form = ArticleForm()
    if form.validate_on_submit():
        try:
            body = _body_from_form(form)
            article = operations.import_article(
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
            link = url_for("articles.show", article_id=error.existing_id)
            flash(
                Markup('{} <a href="{}">Open the existing article</a>.').format(
                    error.message, link
                ),
                "error",
            )
            return render_template("articles/new.html", form=form), 409
        except DomainError as error:
            db.session.rollback()
            target = form.body_file if form.body_file.data and "body" in error.fields else None
            for name, messages in error.fields.items():
                field = target or getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, *messages]
            if not error.fields:
                form.body_file.errors = [*form.body_file.errors, error.message]
            return render_template("articles/new.html", form=form), error.status_code
        db.session.commit()
        flash(f"Imported “{article.title}”: {len(article.claims)} claims.", "success")
        return redirect(url_for("articles.show", article_id=article.id))
    return render_template("articles/new.html", form=form), 422


def _body_from_form(form: ArticleForm) -> str:
    upload = form.body_file.data
    pasted = form.body.data or ""
    if upload and upload.filename:
        if pasted.strip():
            raise ValidationFailed(
                "Paste the text or upload a file, not both.",
                fields={"body": ["Paste the text or upload a file, not both."]},
            )
        return operations.decode_text_file(upload.read(), filename=upload.filename)
    return pasted


@bp.route("/articles/<int:article_id>", methods=["GET"])
@login_required
def show(article_id: int) -> str:
    """Show the article body with its claims marked in place."""
    article = operations.get_article(db.session, article_id)
    return render_template("articles/show.html", article=article, pieces=_pieces(article))


def _pieces(article: Article) -> list[tuple[str, object]]:
    """The body as alternating ("gap", text) and ("claim", Claim) pieces, in order."""
    pieces: list[tuple[str, object]] = []
    cursor = 0
    for claim in article.claims:
        if claim.start > cursor:
            pieces.append(("gap", article.body[cursor : claim.start]))
        pieces.append(("claim", claim))
        cursor = claim.end
    if cursor < len(article.body):
        pieces.append(("gap", article.body[cursor:]))
    return pieces


@bp.route("/claims/<int:claim_id>", methods=["GET"])
@login_required
def claim(claim_id: int) -> str:
    """Show one claim in its context."""
    claim = operations.get_claim(db.session, claim_id)
    previous, following = operations.neighbours(db.session, claim)
    return render_template(
        "articles/claim.html",
        claim=claim,
        article=claim.article,
        previous=previous,
        following=following,
    )
