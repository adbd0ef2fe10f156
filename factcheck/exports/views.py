"""Export page and streamed downloads; ClaimReview JSON-LD of one claim."""

from __future__ import annotations

from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import Article
from factcheck.db import utcnow
from factcheck.errors import DomainError, ValidationFailed
from factcheck.exports import operations
from factcheck.exports.claimreview import claim_reviews, encode_feed, json_ld
from factcheck.exports.csv_export import (
    SOURCE_COLUMNS,
    encode_csv,
    publication_csv,
    publication_rows,
    source_rows,
)
from factcheck.exports.filters import ExportFilters
from factcheck.exports.jsonl import export_lines
from factcheck.extensions import db
from factcheck.users.auth import current_app_user
from factcheck.verdicts.operations import all_verdicts

bp = Blueprint("exports", __name__)

MIMETYPES = {
    "csv": "text/csv",
    "sources": "text/csv",
    "jsonl": "application/x-ndjson",
    "claimreview": "application/ld+json",
}
EXTENSIONS = {"csv": "csv", "sources": "csv", "jsonl": "jsonl", "claimreview": "json"}
NAMES = {
    "csv": "verdicts",
    "sources": "sources",
    "jsonl": "archive",
    "claimreview": "claimreview",
}


def organisation() -> dict[str, str]:
    config = current_app.config
    return {"name": config["ORGANISATION_NAME"], "url": config["ORGANISATION_URL"]}


def public_base_url() -> str:
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url


def export_chunks(
    bind: Engine | Connection, kind: str, filters: ExportFilters, *, bom: bool, base_url: str
) -> Iterator[bytes]:
    """The bytes of an export, produced as they stream out of the database.

    ``bom`` applies to the CSVs only; JSON never starts with one.
    """
    bom = bom and kind in operations.CSV_KINDS
    with operations.read_connection(bind) as connection:
        if kind == "csv":
            yield from publication_csv(connection, filters, bom=bom)
        elif kind == "sources":
            yield from encode_csv(SOURCE_COLUMNS, source_rows(connection, filters), bom=bom)
        elif kind == "claimreview":
            yield from encode_feed(
                claim_reviews(connection, filters, organisation=organisation(), base_url=base_url)
            )
        else:
            session = Session(bind=connection)
            try:
                for line in export_lines(session, filters):
                    yield line.encode("utf-8")
            finally:
                session.close()


def download_response(kind: str, filters: ExportFilters, *, bom: bool) -> Response:
    """The export as a streamed attachment named by what it holds and when it was taken.

    Call after :func:`operations.start_export` has been committed.
    """
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    response = Response(
        stream_with_context(
            export_chunks(db.session.get_bind(), kind, filters, bom=bom, base_url=public_base_url())
        ),
        mimetype=MIMETYPES[kind],
    )
    if MIMETYPES[kind].startswith("text/"):
        response.headers["Content-Type"] = f"{MIMETYPES[kind]}; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="factcheck-{NAMES[kind]}-{stamp}.{EXTENSIONS[kind]}"'
    )
    return response


def _page(errors: dict[str, list[str]] | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "exports/index.html",
        articles=db.session.scalars(select(Article).order_by(Article.title)).all(),
        verdicts=all_verdicts(db.session),
        states=list(AnnotationState),
        errors=errors or {},
        args=request.form if request.method == "POST" else request.args,
        form=FlaskForm(),
    )
    return page, status


@bp.route("/exports", methods=["GET"])
@login_required
def index() -> tuple[str, int]:
    """Show the export page: filters and the four formats."""
    return _page()


@bp.route("/exports/<kind>", methods=["POST"])
@login_required
def download(kind: str) -> Response | tuple[str, int]:
    """Record the export in the history, then stream it."""
    if kind not in operations.KINDS:
        abort(404)
    form = FlaskForm()
    if not form.validate_on_submit():
        return _page({"form": ["The form expired; reload the page."]}, 400)
    try:
        filters = ExportFilters.parse(
            article=request.form.get("article"),
            date_from=request.form.get("date_from"),
            date_to=request.form.get("date_to"),
            verdict=request.form.get("verdict"),
            state=request.form.get("state") or operations.default_state(kind),
        )
        operations.start_export(db.session, current_app_user(), kind, filters)
    except ValidationFailed as error:
        return _page(error.fields, error.status_code)
    except DomainError as error:
        return _page({"form": [error.message]}, error.status_code)
    db.session.commit()
    return download_response(kind, filters, bom=request.form.get("bom") == "y")


@bp.route("/claims/<int:claim_id>/claimreview.json", methods=["GET"])
@login_required
def claim_review(claim_id: int) -> Response:
    """The ClaimReview JSON-LD of a claim's published verdict (404 if none)."""
    from factcheck.exports.claimreview import claim_review as build

    filters = ExportFilters(claim_id=claim_id)
    for row in publication_rows(db.session.connection(), filters):
        body = build(row, organisation=organisation(), base_url=public_base_url())
        return Response(json_ld(body) + "\n", mimetype="application/ld+json")
    abort(404, description="This claim has no published (approved) verdict yet.")
