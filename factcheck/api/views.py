"""The /api/v1 endpoints: the same operations as the web pages, as JSON."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from factcheck.annotations import operations as annotation_ops
from factcheck.annotations.models import Annotation
from factcheck.annotations.operations import AnnotationInput, SourceInput
from factcheck.annotations.visibility import get_visible_annotation
from factcheck.api import schemas
from factcheck.api.registry import (
    ApiError,
    QueryParam,
    bp,
    current_user_from_token,
    int_query,
    openapi_document,
    operation,
)
from factcheck.articles import operations as article_ops
from factcheck.articles.hints import HINT_NAMES, hint_names
from factcheck.articles.models import Article, Claim
from factcheck.db import DIGITS, MAX_ID
from factcheck.errors import NotFound
from factcheck.exports import operations as export_ops
from factcheck.exports.filters import ExportFilters
from factcheck.exports.formats import FORMATS, get_format, keys_text
from factcheck.extensions import db
from factcheck.factchecks.library import (
    TableOptions,
    browse,
    check_may_manage,
    import_library_file,
)
from factcheck.factchecks.matching import Match, match_text
from factcheck.i18n import local_number
from factcheck.review import operations as review_ops
from factcheck.review.models import Review
from factcheck.review.workflow import Action, AnnotationState
from factcheck.search import operations as search_ops
from factcheck.search.operations import Sort
from factcheck.verdicts import operations as verdict_ops
from factcheck.verdicts.models import Verdict
from factcheck.workspace import operations as workspace_ops

PAGE_DEFAULT, PAGE_MAX = 50, 200
_LIMIT = QueryParam(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": PAGE_MAX},
    f"Items per page (default {PAGE_DEFAULT}).",
)
_CURSOR = QueryParam(
    "cursor",
    {"type": "string", "pattern": f"^{DIGITS}$"},
    "The next_cursor of the previous page.",
)


def _cursor() -> int:
    return int_query("cursor", minimum=0) or 0


# --- serialisers --------------------------------------------------------------------------


def _claim_fields(
    claim_id: int,
    article_id: int,
    position: int,
    start: int,
    end: int,
    kind: Any,
    hints: list[str],
    body: str,
) -> dict[str, Any]:
    """A claim as :class:`schemas.ClaimOut` gives it, from its columns and the text its
    offsets point into."""
    return {
        "id": claim_id,
        "article_id": article_id,
        "position": position,
        "start": start,
        "end": end,
        "text": body[start:end],
        "kind": kind.value,
        "hints": hints,
    }


def _claim_out(claim: Claim, body: str) -> schemas.ClaimOut:
    return schemas.ClaimOut(
        **_claim_fields(
            claim.id,
            claim.article_id,
            claim.position,
            claim.start,
            claim.end,
            claim.kind,
            claim.hints,
            body,
        )
    )


def _summary(article: Article, claims: int) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "outlet": article.outlet,
        "url": article.url,
        "published_on": article.published_on,
        "language": article.language,
        "claims": claims,
        "imported_at": article.imported_at,
    }


#: A claim as the article's claim list gives it, read as plain rows: a 1,000-claim
#: article as ORM objects took 25 ms of a 40 ms request (loading, then reading each
#: attribute through the ORM), and every fact-checker reads it again and again.
_CLAIM_ROW = (
    Claim.id,
    Claim.position,
    Claim.start,
    Claim.end,
    Claim.kind,
    *(getattr(Claim, f"has_{name}") for name in HINT_NAMES),
)


def _article_out(article: Article) -> schemas.ArticleOut:
    body = article.body
    rows = db.session.execute(
        select(*_CLAIM_ROW)
        # The current text's claims, as ``Article.claims`` has them.
        .where(Claim.article_id == article.id, Claim.removed_in.is_(None))
        .order_by(Claim.position)
    ).all()
    # Plain dicts, validated by the article's model in one call: a model built per
    # claim costs several times more in Python than the whole validation.
    claims = [
        _claim_fields(claim_id, article.id, position, start, end, kind, hint_names(flags), body)
        for claim_id, position, start, end, kind, *flags in rows
    ]
    return schemas.ArticleOut(
        **_summary(article, len(claims)),
        byline=article.byline,
        body=body,
        body_sha256=article.body_sha256,
        claim_list=claims,
    )


def _annotation_out(annotation: Annotation, reviews: list[Review]) -> schemas.AnnotationOut:
    return schemas.AnnotationOut(
        id=annotation.id,
        claim_id=annotation.claim_id,
        annotator=annotation.annotator.email,
        verdict=annotation.verdict.key if annotation.verdict else None,
        claimant=annotation.claimant,
        claim_summary=annotation.claim_summary,
        rationale=annotation.rationale,
        state=annotation.state,
        version=annotation.version,
        submitted_at=annotation.submitted_at,
        updated_at=annotation.updated_at,
        sources=[schemas.SourceOut.model_validate(s) for s in annotation.sources],
        reviews=[
            schemas.ReviewOut(
                reviewer=r.reviewer.email,
                decision=r.decision.value,
                comment=r.comment,
                created_at=r.created_at,
            )
            for r in reviews
        ],
    )


def _input(body: schemas.AnnotationIn) -> tuple[AnnotationInput, Verdict | None]:
    """The operation's input, and the chosen verdict.

    The caller keeps the verdict while the operation runs: the session only holds weak
    references, and a verdict still held is found there by validation and the answer
    instead of being queried twice more.
    """
    verdict = None
    if body.verdict is not None:
        verdict = db.session.scalar(select(Verdict).where(Verdict.key == body.verdict))
        if verdict is None:
            raise ApiError(
                422,
                "invalid",
                gettext("Unknown verdict “%(verdict)s”.", verdict=body.verdict),
                {"verdict": [gettext("Use a key from GET /api/v1/verdicts.")]},
            )
    data = AnnotationInput(
        verdict_id=verdict.id if verdict is not None else None,
        claimant=body.claimant,
        claim_summary=body.claim_summary,
        rationale=body.rationale,
        sources=[SourceInput.like(s) for s in body.sources],
    )
    return data, verdict


# --- the document ---------------------------------------------------------------------------


@bp.route("/openapi.json", methods=["GET"])
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())


# --- articles and claims ------------------------------------------------------------------


@operation(
    "/verdicts",
    "get",
    summary="The verdict scale, in order.",
    tag="verdicts",
    response=schemas.VerdictList,
)
def list_verdicts() -> schemas.VerdictList:
    return schemas.VerdictList(
        items=[schemas.VerdictOut.model_validate(v) for v in verdict_ops.all_verdicts(db.session)]
    )


@operation(
    "/articles",
    "get",
    summary="Articles, newest first.",
    tag="articles",
    response=schemas.ArticlePage,
    query=[_LIMIT, _CURSOR],
)
def list_articles() -> schemas.ArticlePage:
    limit = int_query("limit", maximum=PAGE_MAX) or PAGE_DEFAULT
    after = _cursor()
    query = (
        select(Article, func.count(Claim.id))
        .outerjoin(Claim, (Claim.article_id == Article.id) & Claim.removed_in.is_(None))
        .group_by(Article.id)
        .order_by(Article.id.desc())
        .limit(limit + 1)
    )
    if after:
        query = query.where(Article.id < after)
    rows = db.session.execute(query).all()
    items = [schemas.ArticleSummary(**_summary(a, n)) for a, n in rows[:limit]]
    cursor = str(rows[limit - 1][0].id) if len(rows) > limit else None
    return schemas.ArticlePage(items=items, next_cursor=cursor)


@operation(
    "/articles",
    "post",
    summary="Import an article; it is split into claims.",
    tag="articles",
    body=schemas.ArticleCreate,
    response=schemas.ArticleOut,
    status=201,
)
def create_article(body: schemas.ArticleCreate) -> schemas.ArticleOut:
    article = article_ops.import_article(
        db.session,
        current_user_from_token(),
        title=body.title,
        body=body.body,
        max_chars=current_app.config["MAX_ARTICLE_CHARS"],
        outlet=body.outlet,
        url=body.url,
        byline=body.byline,
        published_on=body.published_on,
        language=body.language,
    )
    return _article_out(article)


@operation(
    "/articles/<int:article_id>",
    "get",
    summary="An article with its claims.",
    tag="articles",
    response=schemas.ArticleOut,
)
def get_article(article_id: int) -> schemas.ArticleOut:
    return _article_out(article_ops.get_article(db.session, article_id))


@operation(
    "/claims/<int:claim_id>",
    "get",
    summary="A claim with the annotations you may see and its history.",
    tag="claims",
    response=schemas.ClaimDetail,
)
def get_claim(claim_id: int) -> schemas.ClaimDetail:
    user = current_user_from_token()
    claim = article_ops.get_claim(db.session, claim_id)
    view = workspace_ops.claim_view(db.session, user, claim)
    return schemas.ClaimDetail(
        **_claim_out(claim, claim.body).model_dump(),
        annotations=[_annotation_out(a, view.reviews[a.id]) for a in view.shown],
        history=[
            schemas.EventOut(
                at=e.created_at,
                actor=e.actor.email if e.actor else None,
                action=e.action,
                diff=e.diff,
            )
            for e in view.history
        ],
    )


@operation(
    "/claims/<int:claim_id>/matches",
    "get",
    summary="Fact-checks in the library that may have checked this claim before.",
    description=(
        "The best matches from the library, strong ones first, down to the suggestion "
        "level; our own verdicts on claims of the same article are left out."
    ),
    tag="factchecks",
    response=schemas.MatchList,
)
def claim_matches(claim_id: int) -> schemas.MatchList:
    user = current_user_from_token()
    claim = article_ops.get_claim(db.session, claim_id)
    text = claim.text
    matches = match_text(
        db.session, text, exclude_article_id=claim.article_id, shown_only=True, viewer=user
    )
    return _matches_out(matches)


@operation(
    "/match",
    "post",
    summary="Match a text against the fact-check library.",
    description="The library's entries ranked for the text, with how likely each checks it.",
    tag="factchecks",
    body=schemas.MatchIn,
    response=schemas.MatchList,
)
def match(body: schemas.MatchIn) -> schemas.MatchList:
    user = current_user_from_token()
    return _matches_out(match_text(db.session, body.text, limit=body.limit, viewer=user))


@operation(
    "/factchecks",
    "get",
    summary="The fact-check library, newest first, or the entries matching q (reviewers).",
    tag="factchecks",
    response=schemas.FactCheckPage,
    query=[
        QueryParam("q", {"type": "string", "maxLength": 500}, "A claim to find entries for."),
        _LIMIT,
        _CURSOR,
    ],
)
def list_factchecks() -> schemas.FactCheckPage:
    user = current_user_from_token()
    check_may_manage(user)
    q = (request.args.get("q") or "").strip()[:500]
    limit = int_query("limit", maximum=PAGE_MAX) or PAGE_DEFAULT
    page = browse(db.session, q=q, after=None if q else _cursor() or None, limit=limit)
    return schemas.FactCheckPage(
        items=[schemas.FactCheckOut.model_validate(e) for e in page.entries],
        total=page.found,
        next_cursor=str(page.next_after) if page.next_after is not None else None,
    )


@operation(
    "/factchecks/import",
    "post",
    summary="Add a file of fact-checks to the library, all or nothing (reviewers).",
    tag="factchecks",
    body=schemas.LibraryImportIn,
    response=schemas.LibraryReportOut,
    status=201,
)
def import_factchecks(body: schemas.LibraryImportIn) -> schemas.LibraryReportOut:
    user = current_user_from_token()
    options = TableOptions(
        columns=dict(body.columns), publisher=body.publisher, language=body.language
    )
    report = import_library_file(
        db.session, user, body.filename, body.content.encode("utf-8"), options
    )
    if not report.ok:
        problems = report.problems + (
            [
                ngettext(
                    "and %(count)s more problem",
                    "and %(count)s more problems",
                    report.more_problems,
                    count=local_number(report.more_problems),
                )
            ]
            if report.more_problems
            else []
        )
        raise ApiError(
            422,
            "refused",
            gettext(
                "%(filename)s was not imported: nothing from it was added.",
                filename=report.filename,
            ),
            {"content": problems},
        )
    return schemas.LibraryReportOut(
        filename=report.filename, added=report.added, already=report.already, problems=[]
    )


def _matches_out(matches: list[Match]) -> schemas.MatchList:
    return schemas.MatchList(
        items=[
            schemas.MatchOut(
                factcheck=schemas.FactCheckOut.model_validate(m.factcheck),
                score=round(m.score, 4),
                strength=m.strength.value if m.strength else None,
                across_languages=m.across_languages,
            )
            for m in matches
        ]
    )


@operation(
    "/claims/<int:claim_id>/annotation",
    "put",
    summary="Create or update your annotation of a claim (send the version you read).",
    tag="annotations",
    body=schemas.AnnotationIn,
    response=schemas.AnnotationOut,
)
def save_annotation(claim_id: int, body: schemas.AnnotationIn) -> schemas.AnnotationOut:
    user = current_user_from_token()
    claim = article_ops.get_claim(db.session, claim_id)
    data, _verdict = _input(body)
    annotation = annotation_ops.save_annotation(
        db.session, user, claim, data, expected_version=body.version or None
    )
    return _answer(annotation)


def _transition(annotation_id: int, action: Action, body: schemas.TransitionIn):
    user = current_user_from_token()
    annotation = get_visible_annotation(db.session, user, annotation_id)
    review_ops.apply_action(
        db.session, user, annotation, action, expected_version=body.version, comment=body.comment
    )
    return _answer(annotation)


def _answer(annotation: Annotation) -> schemas.AnnotationOut:
    """The answer to a change, built from the flushed objects.

    Built before the operation's unit of work commits: the commit expires every loaded
    object, and reading them back afterwards cost another transaction and three queries
    per save.
    """
    return _annotation_out(
        annotation, review_ops.reviews_of(db.session, [annotation.id])[annotation.id]
    )


def _register_transition(action: Action) -> None:
    def view(annotation_id: int, body: schemas.TransitionIn) -> schemas.AnnotationOut:
        return _transition(annotation_id, action, body)

    view.__name__ = f"annotation_{action.value}"
    operation(
        f"/annotations/<int:annotation_id>/{action.value.replace('_', '-')}",
        "post",
        summary=f"{action.label}" + (" (a comment is required)." if action.needs_comment else "."),
        tag="review",
        body=schemas.TransitionIn,
        response=schemas.AnnotationOut,
    )(view)


for _action in Action:
    _register_transition(_action)


@operation(
    "/review-queue",
    "get",
    summary="Submitted annotations of others, oldest first.",
    tag="review",
    response=schemas.QueuePage,
    query=[
        QueryParam(
            "article", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "Only this article."
        ),
        QueryParam(
            "annotator", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "Only this user id."
        ),
        QueryParam("verdict", {"type": "string", "maxLength": 40}, "Only this verdict key."),
        _LIMIT,
        _CURSOR,
    ],
)
def review_queue() -> schemas.QueuePage:
    user = current_user_from_token()
    verdict_key = request.args.get("verdict")
    verdict_id = None
    if verdict_key:
        verdict_id = db.session.scalar(select(Verdict.id).where(Verdict.key == verdict_key))
        if verdict_id is None:
            raise ApiError(
                422,
                "invalid",
                gettext("Unknown verdict “%(verdict)s”.", verdict=verdict_key[:40]),
                {"verdict": [gettext("Unknown verdict key.")]},
            )
    limit = int_query("limit", maximum=PAGE_MAX) or PAGE_DEFAULT
    filters = review_ops.QueueFilters(int_query("article"), verdict_id, int_query("annotator"))
    page = review_ops.review_queue(db.session, user, filters, after=_cursor() or None, limit=limit)
    rounds = review_ops.reviews_of(db.session, [a.id for a in page.items])
    return schemas.QueuePage(
        items=[_annotation_out(a, rounds[a.id]) for a in page.items],
        total=page.total,
        next_cursor=str(page.next_after) if page.next_after is not None else None,
    )


def _export_summary() -> str:
    return f"Stream an export ({', '.join(FORMATS)}); it is recorded in the audit history."


def _export_description() -> str:
    lines = [f"- `{fmt.key}` ({fmt.media_type}): {fmt.help}" for fmt in FORMATS.values()]
    internal = [f"`{fmt.key}`" for fmt in FORMATS.values() if fmt.internal]
    restricted = ", ".join([*internal, "exports of any state but approved"])
    lines.append(f"\nReviewers and admins only: {restricted}.")
    return "\n".join(lines)


def _export_media() -> dict[str, str]:
    # Several formats can share a media type (both CSVs): one entry naming them all.
    titles: dict[str, list[str]] = {}
    for fmt in FORMATS.values():
        titles.setdefault(fmt.media_type, []).append(fmt.title)
    return {media_type: ", ".join(names) for media_type, names in titles.items()}


@operation(
    "/exports/<kind>",
    "post",
    summary=_export_summary,
    description=_export_description,
    tag="exports",
    body=schemas.ExportIn,
    media=_export_media,
    path_enums=lambda: {"kind": list(FORMATS)},
)
def export(kind: str, body: schemas.ExportIn) -> Response:
    from factcheck.exports.views import download_response

    fmt = get_format(kind)
    if fmt is None:
        raise NotFound(
            gettext("Unknown export “%(kind)s”; use %(keys)s.", kind=kind[:40], keys=keys_text())
        )
    state = body.state if body.state is not None else fmt.default_state
    filters = ExportFilters.parse(
        article=body.article,
        date_from=body.date_from,
        date_to=body.date_to,
        verdict=body.verdict,
        state=getattr(state, "value", state),
    )
    export_ops.start_export(db.session, current_user_from_token(), fmt, filters)
    return download_response(fmt, filters, bom=body.bom)


_SEARCH_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_SEARCH_DAY = {"type": "string", "format": "date"}
#: A BCP 47 language tag, as the search's language filter reads it.
_SEARCH_LANGUAGE = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"


@operation(
    "/search",
    "get",
    summary="Search claims, annotations, sources, comments and articles you may see.",
    description=(
        'Words (all must match), "a phrase", -word to exclude, OR between two '
        "alternatives, word* for a prefix; case, accents and word endings do not matter "
        "(each article's words are stemmed the way of its language). "
        "An empty q lists by the filters. Another's draft, and others' work on a claim "
        "you have not submitted your own annotation for, are never searched, counted or "
        "quoted."
    ),
    tag="search",
    response=schemas.SearchPage,
    query=[
        QueryParam("q", {"type": "string", "maxLength": 500}, "The search."),
        QueryParam("verdict", {"type": "string", "maxLength": 40}, "A verdict key."),
        QueryParam(
            "state", {"type": "string", "enum": [s.value for s in AnnotationState]}, "A state."
        ),
        QueryParam("article", _SEARCH_ID, "Only this article."),
        QueryParam("outlet", {"type": "string", "maxLength": 200}, "Only this outlet."),
        QueryParam("annotator", _SEARCH_ID, "Annotated by this user id."),
        QueryParam("reviewer", _SEARCH_ID, "Reviewed by this user id."),
        QueryParam("imported_from", _SEARCH_DAY, "Article imported on or after."),
        QueryParam("imported_to", _SEARCH_DAY, "Article imported on or before."),
        QueryParam("approved_from", _SEARCH_DAY, "Approved on or after."),
        QueryParam("approved_to", _SEARCH_DAY, "Approved on or before."),
        QueryParam("hint", {"type": "string", "enum": list(HINT_NAMES)}, "The claim has one."),
        QueryParam("has_sources", {"type": "string", "enum": ["yes", "no"]}, "Sources or not."),
        QueryParam(
            "language",
            {"type": "string", "maxLength": 16, "pattern": _SEARCH_LANGUAGE},
            "Only articles in this language (its primary subtag: pt-BR is pt), the words "
            "stemmed its way alone. One the articles are in; the language facet lists them.",
        ),
        QueryParam(
            "sort", {"type": "string", "enum": [s.value for s in Sort]}, "Default: relevance."
        ),
        QueryParam(
            "all",
            {"type": "string", "enum": ["true", "false"]},
            "Search every match of a broad search, not only the newest (slower).",
        ),
        _LIMIT,
        _CURSOR,
    ],
)
def search_everything() -> schemas.SearchPage:
    user = current_user_from_token()
    args = request.args.to_dict()
    keys = {v.key: v for v in verdict_ops.all_verdicts(db.session)}
    if args.get("verdict"):
        verdict = keys.get(args["verdict"])
        if verdict is None:
            raise ApiError(
                422,
                "invalid",
                gettext("Unknown verdict “%(verdict)s”.", verdict=args["verdict"][:40]),
                {"verdict": [gettext("Unknown verdict key.")]},
            )
        args["verdict"] = str(verdict.id)
    sort = args.get("sort") or Sort.RELEVANCE.value
    if sort not in {s.value for s in Sort}:
        raise ApiError(
            422, "invalid", gettext("Unknown sort."), {"sort": [gettext("Use one of the listed.")]}
        )
    limit = int_query("limit", maximum=PAGE_MAX) or PAGE_DEFAULT
    results = search_ops.search(
        db.session,
        user,
        args.get("q", ""),
        search_ops.parse_filters(args),
        sort=Sort(sort),
        offset=_cursor(),
        limit=limit,
        complete=_everything(args.get("all")),
    )
    by_id = {v.id: v.key for v in keys.values()}
    facets = {
        name: [
            schemas.FacetValue(
                value=str(
                    by_id.get(value, value) if name == "verdict" else getattr(value, "value", value)
                ),
                label=label,
                count=count,
            )
            for value, label, count in values
        ]
        for name, values in results.facets.items()
    }
    following = results.next_offset
    return schemas.SearchPage(
        query=str(results.query),
        total=results.total,
        complete=results.complete,
        newest_since=results.window.since if results.window else None,
        items=[_search_hit_out(hit) for hit in results.hits],
        facets=facets,
        languages=list(results.languages),
        next_cursor=str(following) if following is not None else None,
    )


def _everything(value: str | None) -> bool:
    if value in (None, "", "false"):
        return False
    if value == "true":
        return True
    raise ApiError(
        422, "invalid", gettext("all: true or false."), {"all": [gettext("Use true or false.")]}
    )


def _search_hit_out(hit: search_ops.SearchHit) -> schemas.SearchHitOut:
    claim = hit.claim
    return schemas.SearchHitOut(
        kind="claim" if claim else "article",
        article_id=hit.article.id,
        article_title=hit.article.title,
        outlet=hit.article.outlet,
        imported_at=hit.article.imported_at,
        claim_id=claim.id if claim else None,
        position=claim.position if claim else None,
        text=claim.text if claim else hit.article.title,
        snippet=hit.snippet.striptags(),
        snippet_html=str(hit.snippet),
        matched_in=hit.matched_in,  # type: ignore[arg-type]
        state=hit.state,
        published_verdict=hit.published_verdict.key if hit.published_verdict else None,
    )
