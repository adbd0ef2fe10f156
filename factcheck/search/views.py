"""The search page: results, snippets, filters with counts, paging; works without JS."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import select

from factcheck.annotations.states import AnnotationState
from factcheck.articles.hints import HINT_NAMES
from factcheck.db import parse_number
from factcheck.errors import ValidationFailed
from factcheck.extensions import db
from factcheck.search.languages import language_name, present_languages
from factcheck.search.operations import (
    HINT_CHOICES,
    MAX_OFFSET,
    PAGE_SIZE,
    SearchResults,
    Sort,
    parse_filters,
    search,
)
from factcheck.users.auth import current_app_user
from factcheck.users.models import Role, User
from factcheck.verdicts.operations import all_verdicts

bp = Blueprint("search", __name__)

#: The query-string names of the filters, as the page's links and forms write them.
FILTER_ARGS = (
    "verdict",
    "state",
    "article",
    "outlet",
    "annotator",
    "reviewer",
    "imported_from",
    "imported_to",
    "approved_from",
    "approved_to",
    "hint",
    "has_sources",
    "language",
)


def _offset(value: str | None) -> int:
    """The ``start`` parameter; anything that is not a whole number is the first page."""
    if not value:
        return 0
    try:
        return parse_number(value, minimum=0, maximum=MAX_OFFSET)
    except ValueError:
        return 0


def _sort(value: str | None) -> Sort:
    try:
        return Sort(value) if value else Sort.RELEVANCE
    except ValueError:
        return Sort.RELEVANCE


@bp.route("/search", methods=["GET"])
@login_required
def page() -> tuple[str, int]:
    """Search everything the viewer may see; an empty query lists by the filters."""
    viewer = current_app_user()
    text = request.args.get("q", "")
    args = {name: request.args.get(name, "") for name in FILTER_ARGS}
    results: SearchResults | None = None
    errors: dict[str, list[str]] = {}
    searched = bool(text.strip()) or any(args.values())
    status = 200
    languages = present_languages(db.session)
    if searched:
        try:
            filters = parse_filters(request.args)
            results = search(
                db.session,
                viewer,
                text,
                filters,
                sort=_sort(request.args.get("sort")),
                offset=_offset(request.args.get("start")),
                complete=request.args.get("all") == "1",
                languages=languages,
            )
        except ValidationFailed as error:
            errors = error.fields or {"q": [error.message]}
            status = 422
    people = (
        db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all()
        if viewer.has_role(Role.REVIEWER)
        else [viewer]
    )
    return render_template(
        "search/index.html",
        q=text,
        args=args,
        results=results,
        errors=errors,
        searched=searched,
        verdicts=all_verdicts(db.session),
        states=list(AnnotationState),
        hints=[(hint, HINT_CHOICES.get(hint, hint)) for hint in HINT_NAMES],
        # A choice only when there is one to make (or one was made).
        languages=sorted(((code, language_name(code)) for code in languages), key=lambda c: c[1])
        if len(languages) > 1 or args["language"]
        else [],
        people=people,
        sorts=list(Sort),
        sort=request.args.get("sort", ""),
        page_size=PAGE_SIZE,
        link=_link,
    ), status


def _link(**changes: Any) -> dict[str, Any]:
    """The current search's query string with ``changes`` (None removes a parameter);
    a change of filter or sort starts again at the first page."""
    current = {
        name: value
        for name, value in request.args.items()
        if name in (*FILTER_ARGS, "q", "sort", "start", "all") and value
    }
    if "start" not in changes:
        current.pop("start", None)
    for name, value in changes.items():
        if value in (None, ""):
            current.pop(name, None)
        else:
            current[name] = value
    return current
