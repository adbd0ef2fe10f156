"""Cross-cutting web behaviour: security headers, error pages, template helpers."""

from __future__ import annotations

import io
import re
from itertools import chain
from typing import IO, Any

from flask import (
    Flask,
    Request,
    Response,
    current_app,
    g,
    has_request_context,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as flask_session
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from sqlalchemy.orm.exc import StaleDataError
from werkzeug import exceptions
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.wrappers.response import Response as BaseResponse

from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.validators import BIDI_CONTROLS

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

#: Friendly titles for error pages; the message under them comes from the error.
ERROR_TITLES = {
    400: lazy_gettext("Bad request"),
    403: lazy_gettext("Not allowed"),
    404: lazy_gettext("Not found"),
    405: lazy_gettext("Method not allowed"),
    409: lazy_gettext("Conflict"),
    413: lazy_gettext("Too large"),
    422: lazy_gettext("Cannot accept this"),
    429: lazy_gettext("Too many attempts"),
    500: lazy_gettext("Something went wrong"),
}

#: Werkzeug's own messages for an error raised without one (``abort(404)``), in the
#: reader's language; the English is Werkzeug's, word for word.
WERKZEUG_MESSAGES = {
    exceptions.BadRequest.description: lazy_gettext(
        "The browser (or proxy) sent a request that this server could not understand."
    ),
    exceptions.Forbidden.description: lazy_gettext(
        "You don't have the permission to access the requested resource. It is either "
        "read-protected or not readable by the server."
    ),
    exceptions.NotFound.description: lazy_gettext(
        "The requested URL was not found on the server. If you entered the URL manually "
        "please check your spelling and try again."
    ),
    exceptions.MethodNotAllowed.description: lazy_gettext(
        "The method is not allowed for the requested URL."
    ),
}


class CappedFormDataParser(FormDataParser):
    """Applies ``max_form_memory_size`` to urlencoded bodies too, before parsing them.

    Werkzeug caps each multipart text field at MAX_FORM_MEMORY_SIZE, but reads a whole
    ``application/x-www-form-urlencoded`` body into memory, bounded only by the upload
    cap (MAX_CONTENT_LENGTH). A body without Content-Length (chunked) is read only up
    to the limit.
    """

    def _parse_urlencoded(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> Any:
        limit = self.max_form_memory_size
        if limit is not None:
            if content_length is not None and content_length > limit:
                raise RequestEntityTooLarge()
            data = stream.read(limit + 1)
            if len(data) > limit:
                raise RequestEntityTooLarge()
            stream = io.BytesIO(data)
        return super()._parse_urlencoded(stream, mimetype, content_length, options)


class AppRequest(Request):
    form_data_parser_class = CappedFormDataParser


def init_app(app: Flask) -> None:
    app.request_class = AppRequest
    app.before_request(_refuse_nul_characters)
    app.after_request(_security_headers)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(StaleDataError, _stale_data)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.add_template_filter(visible_bidi)
    app.add_template_filter(text_direction)
    app.add_url_rule("/", "home", _home)


def _home() -> BaseResponse:
    """Send people to their work, or to the login page."""
    if current_user.is_authenticated:
        return redirect(url_for("workspace.index"))
    return redirect(url_for("auth.login"))


def _refuse_nul_characters() -> Response | None:
    """Refuse text containing NUL: no text column can store it (PostgreSQL rejects it)."""
    # Every value of every field: a repeated field's later values count too.
    values = chain.from_iterable(request.args.listvalues())
    if request.method in {"POST", "PUT", "PATCH"} and request.mimetype in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        values = chain(values, chain.from_iterable(request.form.listvalues()))
    if any("\x00" in value for value in values):
        return _error_response(
            400,
            gettext(
                "The form contains a NUL character (often from pasting binary data), which "
                "cannot be stored. Remove it and try again; nothing was saved."
            ),
            "nul_character",
        )
    return None


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SEND_HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages of a logged-in user, and API answers to a token, hold unpublished findings:
    # never keep them in caches (error answers included).
    if _with_credentials():
        headers["Cache-Control"] = "no-store"
    return response


def _with_credentials() -> bool:
    """Whether the request was made as someone: a session cookie or an API bearer token."""
    if request.path.startswith("/api/") and "Authorization" in request.headers:
        return True
    return bool(
        not request.path.startswith("/static/") and current_user and current_user.is_authenticated
    )


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def _error_response(
    status: int, message: str, code: str, fields: dict[str, Any] | None = None
) -> Response:
    # Whatever the failed request added to the session must not leak into a later commit.
    db.session.rollback()
    if _wants_json():
        body = {
            "error": {
                "code": code,
                "message": message,
                "fields": fields or {},
                # What a person quotes to whoever reads the server's log.
                "request_id": g.get("request_id"),
            }
        }
        response = make_response(jsonify(body), status)
    else:
        title = str(ERROR_TITLES.get(status) or gettext("Error"))
        page = render_template(
            "errors/error.html", status=status, title=title, message=message, error_page=True
        )
        response = make_response(page, status)
    _keep_session_cookie()
    return response


def _keep_session_cookie() -> None:
    """An error response never sets the session cookie: it neither creates nor replaces one.

    A cross-site POST arrives without the (SameSite) cookie; had its 400 page written a
    fresh session (a CSRF token, say), the browser would store it in place of the
    victim's and log them out. Nothing was saved by a failed request anyway.
    """
    if has_request_context():
        flask_session.modified = False


def _domain_error(error: DomainError) -> Response:
    response = _error_response(error.status_code, error.message, error.code, error.fields)
    if error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    if error.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="factcheck"'
    return response


def _stale_data(error: StaleDataError) -> Response:
    # Two people changed the same row at once; the database-level version check caught it.
    return _error_response(
        409,
        gettext(
            "Someone else changed this at the same moment, so your change was not saved. "
            "Reload the page to see the current version."
        ),
        "stale_version",
    )


def _csrf_error(error: CSRFError) -> Response:
    return _error_response(
        400,
        gettext(
            "The form was out of date or did not come from this site, so nothing was "
            "changed. Go back, reload the page and try again."
        ),
        "csrf_failed",
    )


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 413:
        upload_mb = (request.max_content_length or 0) // (1024 * 1024)
        text_mb = (request.max_form_memory_size or 0) // (1024 * 1024)
        message = gettext(
            "The request is too large: uploads may be up to %(upload_mb)s MB and pasted "
            "text up to %(text_mb)s MB. Nothing was saved.",
            upload_mb=upload_mb,
            text_mb=text_mb,
        )
    else:
        message = error.description or ""
        if message in WERKZEUG_MESSAGES:
            message = str(WERKZEUG_MESSAGES[message])
    response = _error_response(status, message, error.name.lower().replace(" ", "_"))
    for name, value in error.get_headers():
        if name in {"Allow", "Retry-After"}:
            response.headers[name] = value
    return response


def _unexpected_error(error: Exception) -> Response:
    if current_app.testing:
        raise error
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return _error_response(
        500,
        gettext("The server hit an unexpected error. Nothing was saved; please try again."),
        "internal_error",
    )


_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")


#: Languages written right to left (the primary subtag of a language tag).
RIGHT_TO_LEFT = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "ku", "ps", "sd", "ug", "ur", "yi"}
)


def text_direction(language: str | None) -> str:
    """``rtl`` for a language written right to left (``ar``, ``he-IL``), else ``ltr``:
    the ``dir`` of an element holding an article's text."""
    primary = (language or "").split("-", 1)[0].lower()
    return "rtl" if primary in RIGHT_TO_LEFT else "ltr"


def has_bidi_controls(text: str) -> bool:
    """Whether ``text`` holds a character :func:`visible_bidi` would mark."""
    return _BIDI.search(text) is not None


def visible_bidi(value: object) -> Markup:
    """Escape ``value`` and show each bidirectional control as a visible marker.

    Long text (a rationale, a quote, the article) keeps such characters, but shown raw
    they reorder what the reader sees; the marker shows that one is there, and where.
    """
    escaped = escape("" if value is None else value)
    if not _BIDI.search(escaped):
        return escaped
    title = escape(gettext("Text-direction control character"))
    # The text was escaped above, and so is the title; only the marker is markup.
    return Markup(  # noqa: S704
        _BIDI.sub(
            lambda m: f'<span class="bidi-control" title="{title}">[U+{ord(m.group()):04X}]</span>',
            str(escaped),
        )
    )
