"""Export page and streamed downloads; ClaimReview JSON-LD of one claim."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import gettext
from flask_login import login_required
from flask_wtf import FlaskForm

from factcheck.annotations.states import AnnotationState
from factcheck.db import parse_id, utcnow
from factcheck.errors import DomainError
from factcheck.exports import operations
from factcheck.exports.claimreview import claim_reviews, json_ld
from factcheck.exports.filters import ExportFilters
from factcheck.exports.formats import ExportFormat, WriteOptions, available_formats, get_format
from factcheck.extensions import db
from factcheck.review.operations import article_choices
from factcheck.unit_of_work import unit_of_work
from factcheck.users.auth import current_app_user
from factcheck.verdicts.operations import all_verdicts

bp = Blueprint("exports", __name__)


def organisation() -> dict[str, str]:
    config = current_app.config
    return {"name": config["ORGANISATION_NAME"], "url": config["ORGANISATION_URL"]}


def public_base_url() -> str:
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url


def download_response(fmt: ExportFormat, filters: ExportFilters, *, bom: bool) -> Response:
    """The export as a streamed attachment named by what it holds and when it was taken.

    Call after :func:`operations.start_export` has been committed.
    """
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    options = WriteOptions(bom=bom, base_url=public_base_url(), organisation=organisation())
    response = Response(
        stream_with_context(operations.export_chunks(db.session.get_bind(), fmt, filters, options)),
        content_type=fmt.content_type,
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{fmt.filename(stamp)}"'
    return response


def _selected_article() -> int | None:
    values = request.form if request.method == "POST" else request.args
    return values.get("article", type=parse_id)


def _page(errors: dict[str, list[str]] | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "exports/index.html",
        articles=article_choices(db.session, selected=_selected_article()),
        verdicts=all_verdicts(db.session),
        states=list(AnnotationState),
        errors=errors or {},
        args=request.form if request.method == "POST" else request.args,
        form=FlaskForm(),
        formats=available_formats(current_app_user()),
    )
    return page, status


@bp.route("/exports", methods=["GET"])
@login_required
def index() -> tuple[str, int]:
    """Show the export page: filters and a button per format the user may take."""
    return _page()


@bp.route("/exports/<kind>", methods=["POST"])
@login_required
def download(kind: str) -> Response | tuple[str, int]:
    """Record the export in the history, then stream it."""
    fmt = get_format(kind)
    if fmt is None:
        abort(404)
    form = FlaskForm()
    if not form.validate_on_submit():
        return _page({"form": [gettext("The form expired; reload the page.")]}, 400)
    try:
        with unit_of_work():
            filters = ExportFilters.parse(
                article=request.form.get("article"),
                date_from=request.form.get("date_from"),
                date_to=request.form.get("date_to"),
                verdict=request.form.get("verdict"),
                state=request.form.get("state") or fmt.default_state,
            )
            operations.start_export(db.session, current_app_user(), fmt, filters)
    except DomainError as error:
        # The page's filters show their own messages; the rest goes above the form.
        return _page(error.fields or {"form": [error.message]}, error.status_code)
    return download_response(fmt, filters, bom=request.form.get("bom") == "y")


@bp.route("/claims/<int:claim_id>/claimreview.json", methods=["GET"])
@login_required
def claim_review(claim_id: int) -> Response:
    """The ClaimReview JSON-LD of a claim's published verdict (404 if none)."""
    filters = ExportFilters(claim_id=claim_id)
    connection = db.session.connection()
    for body in claim_reviews(
        connection, filters, organisation=organisation(), base_url=public_base_url()
    ):
        return Response(json_ld(body) + "\n", mimetype="application/ld+json")
    abort(404, description=gettext("This claim has no published (approved) verdict yet."))
