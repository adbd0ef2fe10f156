"""Article list, adding an article, the article page and the claim page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers.response import Response

from factcheck.annotations.agreement import agreement
from factcheck.annotations.forms import AnnotationForm, TransitionForm
from factcheck.annotations.workspace import Workspace, build_workspace
from factcheck.articles import assignments, imports, operations
from factcheck.articles.forms import ArticleForm, MergeClaimForm, SplitClaimForm
from factcheck.articles.hints import HINT_NAMES
from factcheck.articles.models import Article, Claim
from factcheck.db import MAX_ID, parse_id
from factcheck.errors import DomainError, DuplicateArticle, ValidationFailed
from factcheck.extensions import db
from factcheck.forms import all_problems
from factcheck.users import operations as user_ops
from factcheck.users.auth import current_app_user, role_required
from factcheck.users.models import Role, User
from factcheck.web import has_bidi_controls, visible_bidi

bp = Blueprint("articles", __name__)

_WHITESPACE = re.compile(r"\s+")


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
def show(article_id: int) -> tuple[str, int]:
    """Show the article workspace: the body with every claim in place, and the progress."""
    article = operations.get_article(db.session, article_id)
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
    workspace.hint = hint if hint in HINT_NAMES else None
    hints_of = {claim.id: claim.hints for claim in workspace.claims}
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
    hint_counts = {n: sum(1 for h in hints_of.values() if n in h) for n in HINT_NAMES}
    article_agreement = agreement(db.session, article) if workspace.panel is None else None
    page = render_template(
        "articles/workspace.html",
        ws=workspace,
        article=article,
        pieces=_pieces(article, workspace, hints_of),
        form=form,
        transition_form=TransitionForm(formdata=None),
        hint_counts=hint_counts,
        agreement=article_agreement,
    )
    return page, status


@bp.route("/articles/<int:article_id>/segmentation", methods=["GET"])
@login_required
def segmentation(article_id: int) -> str:
    """Show the page for splitting and merging the claims of an article."""
    article = operations.get_article(db.session, article_id)
    return _segmentation_page(article, request.args.get("claim", type=parse_id))


def _segmentation_page(
    article: Article, selected_id: int | None, *, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    selected = next((c for c in article.claims if c.id == selected_id), None)
    return render_template(
        "articles/segmentation.html",
        article=article,
        selected=selected,
        split_pieces=_split_pieces(article.body, selected) if selected else [],
        frozen_ids=operations.frozen_claim_ids(db.session, article),
        split_form=SplitClaimForm(),
        error=error,
    ), status


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
    claim = operations.get_claim(db.session, claim_id)
    article = claim.article
    form = SplitClaimForm()
    if not form.validate_on_submit():
        return _segmentation_page(
            article,
            claim.id,
            error=f"Nothing was split. {all_problems(form) or 'Choose where to split the claim.'}",
            status=422,
        )
    at = form.at.data
    if at is None and form.offset.data is not None:
        at = claim.start + form.offset.data
    if at is None:
        return _segmentation_page(
            article, claim.id, error="Choose where to split the claim.", status=422
        )
    try:
        second = operations.split_claim(
            db.session,
            current_app_user(),
            claim,
            at=at,
            expected_start=form.expected_start.data,
            expected_end=form.expected_end.data,
        )
    except DomainError as error:
        db.session.rollback()
        return _segmentation_page(article, claim_id, error=error.message, status=error.status_code)
    db.session.commit()
    flash(
        f"Split claim {claim.position + 1} in two; the new claim is {second.position + 1}.",
        "success",
    )
    return redirect(url_for("articles.segmentation", article_id=article.id) + f"#claim-{claim.id}")


@bp.route("/claims/<int:claim_id>/merge", methods=["POST"])
@login_required
def merge(claim_id: int) -> str | tuple[str, int] | Response:
    """Merge a claim with the one after it."""
    claim = operations.get_claim(db.session, claim_id)
    article = claim.article
    form = MergeClaimForm()
    if not form.validate_on_submit():
        return _segmentation_page(
            article,
            claim.id,
            error=f"Nothing was merged. {all_problems(form) or 'The merge form was incomplete.'}",
            status=422,
        )
    try:
        operations.merge_with_next(
            db.session,
            current_app_user(),
            claim,
            expected_end=form.expected_end.data,
            expected_next_id=form.expected_next_id.data,
        )
    except DomainError as error:
        db.session.rollback()
        return _segmentation_page(article, claim_id, error=error.message, status=error.status_code)
    db.session.commit()
    flash(f"Merged claims {claim.position + 1} and {claim.position + 2}.", "success")
    return redirect(url_for("articles.segmentation", article_id=article.id) + f"#claim-{claim.id}")


@dataclass(frozen=True, slots=True)
class ClaimPiece:
    """One claim of the article picture, with everything its link shows worked out."""

    id: int
    text: str
    css: str
    href: str
    hints: list[str]
    selected: bool


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
    sample = url_for("articles.claim", claim_id=MAX_ID, hint=hint)
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
        classes = f"claim kind-{claim.kind.value} {status.css if status else 'state-none'}"
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
    claim = operations.get_claim(db.session, claim_id)
    return render_workspace(claim.article, claim)


@bp.route("/my-work", methods=["GET"])
@login_required
def my_work() -> str:
    """Show the user's returned annotations, drafts and assigned articles."""
    return render_template(
        "articles/my_work.html", work=assignments.my_work(db.session, current_app_user())
    )


@bp.route("/articles/<int:article_id>/assignments", methods=["GET", "POST"])
@role_required(Role.REVIEWER)
def assignments_page(article_id: int) -> tuple[str, int] | Response:
    """Show and change who works on an article."""
    article = operations.get_article(db.session, article_id)
    status = 200
    if request.method == "POST":
        form = FlaskForm()
        if form.validate_on_submit():
            try:
                annotator = user_ops.get_user(db.session, _chosen_user_id())
                if request.form.get("action") == "remove":
                    assignments.unassign(db.session, current_app_user(), article, annotator)
                    message = f"{annotator.name} no longer has this article."
                else:
                    assignments.assign(db.session, current_app_user(), article, annotator)
                    message = f"Assigned to {annotator.name}."
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
                status = error.status_code
            else:
                db.session.commit()
                flash(message, "success")
                return redirect(url_for("articles.assignments_page", article_id=article.id))
    current = assignments.assignees(db.session, article)
    taken = {a.annotator_id for a in current}
    candidates = [
        u
        for u in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
        if u.id not in taken
    ]
    page = render_template(
        "articles/assignments.html", article=article, assignments=current, candidates=candidates
    )
    return page, status


def _chosen_user_id() -> int:
    """:raises ValidationFailed: the posted user id is not an id."""
    try:
        return parse_id(request.form.get("user_id", ""))
    except ValueError:
        raise ValidationFailed("Choose a user from the list.") from None


@bp.route("/imports", methods=["GET"])
@login_required
def imports_page() -> str:
    """Show the bulk import form."""
    return render_template("articles/imports.html", reports=None, form=FlaskForm())


@bp.route("/imports", methods=["POST"])
@login_required
def bulk_import() -> tuple[str, int]:
    """Import uploaded files; each file is all or nothing, with a report per file."""
    form = FlaskForm()
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not form.validate_on_submit() or not files:
        flash("Choose one or more files to import.", "error")
        return render_template("articles/imports.html", reports=None, form=form), 422
    reports = []
    for upload in files:
        report = imports.import_file(
            db.session,
            current_app_user(),
            upload.filename or "upload",
            upload.read(),
            max_chars=current_app.config["MAX_ARTICLE_CHARS"],
        )
        reports.append(report)
    db.session.commit()
    status = 200 if all(r.ok for r in reports) else 422
    return render_template("articles/imports.html", reports=reports, form=form), status
