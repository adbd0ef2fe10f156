"""The public pages (no login), their feed, embeds and oEmbed, and the admin's switch.

With publishing off every public route answers 404, as if it did not exist. The pages
are built for caches: an ETag of the page and the time its verdicts last changed, so
that a revalidation costs a 304. They are in the reader's language (Accept-Language:
nobody is logged in there), so every answer says ``Vary: Accept-Language`` and the
ETag differs from one interface language to another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement
from werkzeug.http import is_resource_modified
from werkzeug.wrappers.response import Response as BaseResponse

from factcheck.db import parse_id
from factcheck.errors import DomainError
from factcheck.exports.claimreview import (
    ReviewedClaim,
    claim_review,
    json_ld,
    public_claim_url,
)
from factcheck.exports.views import organisation, public_base_url
from factcheck.extensions import db
from factcheck.i18n import TRANSLATIONS, current_language
from factcheck.publishing import operations
from factcheck.publishing.forms import PublishingForm
from factcheck.publishing.operations import PublicClaim
from factcheck.review.publication import PublicationEvent
from factcheck.unit_of_work import show_on_form, unit_of_work
from factcheck.users.auth import current_app_user, role_required
from factcheck.users.models import Role
from factcheck.verdicts.contrast import badge_ink

bp = Blueprint("publishing", __name__)

#: Readers' caches may keep a page this long before asking again (and then get a 304).
_MAX_AGE_SECONDS = 300


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def reviewed_claim(public: PublicClaim) -> ReviewedClaim:
    annotation, article = public.annotation, public.article
    assert annotation is not None and public.verdict is not None
    return ReviewedClaim(
        claim_id=public.claim.id,
        text=public.text,
        summary=annotation.claim_summary,
        claimant=annotation.claimant,
        verdict=public.verdict.label,
        rating=public.verdict.rating,
        article_title=article.title,
        article_url=article.url,
        outlet=article.outlet,
        published_on=article.published_on.isoformat() if article.published_on else None,
        approved_at=_iso(public.first_published),
        modified_at=_iso(public.modified),
    )


def _claim_review(public: PublicClaim) -> dict | None:
    if public.annotation is None or public.verdict is None:
        return None  # withdrawn for review: no rating stands, so no ClaimReview
    return claim_review(
        reviewed_claim(public), organisation=organisation(), base_url=public_base_url()
    )


@cache
def _templates_token() -> str:
    """A digest of the public templates: a new release's pages get new ETags."""
    folder = Path(current_app.root_path).parent / "templates" / "public"
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def _catalogue_token(language: str) -> str:
    """A digest of the language's catalogue: new translations get new ETags too."""
    catalogue = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if not catalogue.is_file():
        return language  # English: the messages themselves, in the templates' token
    return f"{language}:{hashlib.sha256(catalogue.read_bytes()).hexdigest()[:16]}"


def _conditional(scope: ColumnElement[bool] | None, build: Callable[[], Response]) -> Response:
    """A public, revalidatable answer: the ETag and Last-Modified come from what the page
    shows (its publication events, the settings, the verdict scale, people's names), read
    before the page is built, so that a revalidation that finds nothing new is a 304
    that costs a few small queries instead of the page. The interface language is part
    of the ETag: a reader of another language never revalidates into this one's page."""
    fresh = operations.freshness(db.session, scope)
    current = operations.settings(db.session)
    org = organisation()
    parts = [
        _templates_token(),
        _catalogue_token(current_language()),
        public_base_url(),
        request.full_path,
        f"{current.version}:{current.enabled}:{current.show_names}",
        str(fresh.last_event),
        fresh.changed.isoformat() if fresh.changed else "",
        org["name"],
        org["url"],
    ]
    etag = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    last_modified = fresh.changed.replace(microsecond=0) if fresh.changed else None
    exists = fresh.last_event or scope is None
    if exists and not is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
        response = Response(status=304)
    else:
        response = build()
    response.set_etag(etag, weak=True)
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = _MAX_AGE_SECONDS
    return response


def _html(template: str, **context: object) -> Response:
    return Response(render_template(template, **context), mimetype="text/html")


@bp.before_request
def _only_when_published() -> None:
    if request.endpoint != "publishing.settings_page":
        operations.require_publishing(db.session)


@bp.after_request
def _vary_by_language(response: BaseResponse) -> BaseResponse:
    """Every public answer (its 304s and 404s too) is in the reader's language: shared
    caches must keep one copy per Accept-Language."""
    if request.endpoint != "publishing.settings_page":
        response.vary.add("Accept-Language")
    return response


@bp.route("/published/", methods=["GET"])
def index() -> Response:
    """Published articles, newest first, paged."""
    try:
        after = parse_id(request.args["after"]) if request.args.get("after") else None
    except ValueError:
        after = None

    def build() -> Response:
        page = operations.index_page(db.session, after)
        return _html("public/index.html", page=page, organisation=organisation())

    return _conditional(None, build)


@bp.route("/published/articles/<int:article_id>", methods=["GET"])
def article(article_id: int) -> Response:
    """An article with each published claim highlighted in its verdict's colour."""

    def build() -> Response:
        names = operations.settings(db.session).show_names
        public = operations.public_article(db.session, article_id, names=names)
        return _html(
            "public/article.html",
            public=public,
            organisation=organisation(),
            # json_ld escapes <, > and & inside strings: safe in a script element.
            verdict_list_json=Markup(json_ld(_verdict_list(public))),  # noqa: S704
        )

    return _conditional(PublicationEvent.article_id == article_id, build)


def _verdict_list(public: operations.PublicArticle) -> dict:
    """The article page's structured data: a list of its fact-checks' pages. Not their
    ClaimReviews: Google's rules want each ClaimReview on one page only, the claim's."""
    base = public_base_url()
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "name": gettext("Fact-checks of “%(title)s”", title=public.article.title),
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": number,
                "url": public_claim_url(base, claim.claim.id),
                "name": (claim.annotation.claim_summary if claim.annotation else "") or claim.text,
            }
            for number, claim in enumerate(public.current, start=1)
        ],
    }


@bp.route("/published/claims/<int:claim_id>", methods=["GET"])
def claim(claim_id: int) -> Response:
    """One published fact-check, with its ClaimReview embedded."""

    def build() -> Response:
        names = operations.settings(db.session).show_names
        public = operations.public_claim(db.session, claim_id, names=names)
        review = _claim_review(public)
        url = public_claim_url(public_base_url(), claim_id)
        return _html(
            "public/claim.html",
            public=public,
            # json_ld escapes <, > and & inside strings: safe in a script element.
            claim_review_json=Markup(json_ld(review)) if review else None,  # noqa: S704
            embed=embed_snippet(public, url) if review else None,
            public_url=url,
            organisation=organisation(),
            show_names=names,
        )

    return _conditional(PublicationEvent.claim_id == claim_id, build)


@bp.route("/published/claims/<int:claim_id>/claimreview.json", methods=["GET"])
def claim_review_json(claim_id: int) -> Response:
    """The claim page's ClaimReview, alone."""

    def build() -> Response:
        public = operations.public_claim(db.session, claim_id, names=False)
        review = _claim_review(public)
        if review is None:
            abort(404, description=gettext("This verdict was withdrawn for review."))
        return Response(json_ld(review) + "\n", mimetype="application/ld+json")

    return _conditional(PublicationEvent.claim_id == claim_id, build)


def embed_snippet(public: PublicClaim, url: str) -> str:
    """HTML a newsroom pastes into its CMS: a plain link with the verdict as a badge.

    No iframe and no script, so it works wherever HTML does (and with scripts off);
    the styles are inline because the host page's style sheet is not ours."""
    assert public.verdict is not None
    colour = public.verdict.colour
    text = public.annotation.claim_summary if public.annotation else ""
    text = text or public.text
    byline = gettext("— fact-checked by %(organisation)s", organisation=organisation()["name"])
    return (
        f'<a href="{escape(url)}" class="factcheck-embed" style="display:inline-block;'
        "border:1px solid #767676;border-radius:6px;padding:.5em .75em;color:#1a1a1a;"
        'background:#ffffff;text-decoration:none;font:inherit;max-width:40em">'
        f'<strong style="display:inline-block;background:{escape(colour)};'
        f"color:{badge_ink(colour)};border-radius:999px;padding:.1em .6em;"
        f'margin-right:.5em">{escape(public.verdict.label)}</strong>'
        f'{escape(text)} <span style="color:#595959">{escape(byline)}</span>'
        "</a>"
    )


@bp.route("/published/oembed", methods=["GET"])
def oembed() -> Response:
    """oEmbed (https://oembed.com) for a public claim page's URL: the embed snippet."""
    if request.args.get("format", "json") != "json":
        abort(501, description=gettext("Only the JSON format is served."))
    path = urlsplit(request.args.get("url", "")).path
    prefix = "/published/claims/"
    if not path.startswith(prefix):
        abort(404, description=gettext("That is not the URL of a published fact-check."))
    try:
        claim_id = parse_id(path[len(prefix) :].rstrip("/"))
    except ValueError:
        abort(404, description=gettext("That is not the URL of a published fact-check."))
    try:
        width = min(max(int(request.args.get("maxwidth") or 600), 200), 1200)
    except ValueError:
        width = 600

    def build() -> Response:
        public = operations.public_claim(db.session, claim_id, names=False)
        if public.annotation is None or public.verdict is None:
            abort(404, description=gettext("This verdict was withdrawn for review."))
        return jsonify(_oembed(public, width))

    return _conditional(PublicationEvent.claim_id == claim_id, build)


def _oembed(public: PublicClaim, width: int) -> dict:
    assert public.annotation is not None
    url = public_claim_url(public_base_url(), public.claim.id)
    return {
        "version": "1.0",
        "type": "rich",
        "title": public.annotation.claim_summary or public.text,
        "provider_name": organisation()["name"],
        "provider_url": organisation()["url"],
        "html": embed_snippet(public, url),
        "width": width,
        "height": 120,
    }


@bp.route("/published/feed.atom", methods=["GET"])
def feed() -> Response:
    """An Atom feed of the latest published verdicts."""

    def build() -> Response:
        settings = operations.settings(db.session)
        entries = operations.feed_entries(db.session, names=settings.show_names)
        changed = operations.latest_change(db.session)
        body = render_template(
            "public/feed.atom",
            entries=entries,
            updated=_iso(changed or datetime.now(UTC)),
            organisation=organisation(),
            base_url=public_base_url().rstrip("/"),
            iso=_iso,
        )
        return Response(body, mimetype="application/atom+xml")

    return _conditional(None, build)


@bp.route("/admin/publishing", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings_page() -> str | tuple[str, int] | BaseResponse:
    """Switch public pages on or off, and whether they name annotators and reviewers."""
    current = operations.settings(db.session)
    form = PublishingForm(
        data=None
        if request.method == "POST"
        else {
            "enabled": current.enabled,
            "show_names": current.show_names,
            "version": current.version,
        }
    )
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                operations.update_settings(
                    db.session,
                    current_app_user(),
                    enabled=bool(form.enabled.data),
                    show_names=bool(form.show_names.data),
                    expected_version=form.version.data or 0,
                )
        except DomainError as error:
            show_on_form(form, error, always_flash=True)
            status = error.status_code
            current = operations.settings(db.session)
            form.enabled.data, form.show_names.data = current.enabled, current.show_names
            form.version.data = current.version
        else:
            flash(gettext("Publishing settings saved."), "success")
            return redirect(url_for("publishing.settings_page"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "admin/publishing.html",
        form=form,
        settings=current,
        base_url=public_base_url(),
    ), status
