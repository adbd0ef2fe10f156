"""Declaring API operations once: the route, its validation, and its OpenAPI entry.

``@operation`` registers a view on the blueprint, checks the bearer token and the rate
limit, validates the JSON body with the pydantic model, and records everything the
OpenAPI document needs. ``openapi_document()`` is generated from those records.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import gettext
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from factcheck.api import schemas
from factcheck.db import MAX_ID, parse_number, utcnow
from factcheck.errors import DomainError
from factcheck.extensions import csrf, db
from factcheck.ratelimit import hit
from factcheck.unit_of_work import unit_of_work
from factcheck.users.tokens import authenticate

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, never cookies: there is no ambient credential to forge


class ApiError(DomainError):
    """An API-only refusal with its own status and code (and, for 429, when to retry)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
        *,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message, fields=fields)
        self.status_code, self.code, self.retry_after = status, code, retry_after


T = TypeVar("T")
#: A value fixed when the operation is declared, or a function giving it when the
#: OpenAPI document is generated: for values read from a registry that can grow after
#: import (the export formats).
Lazy = T | Callable[[], T]


def _resolve(value: Lazy[T]) -> T:
    return value() if callable(value) else value


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]
    description: str


@dataclass
class Operation:
    path: str
    method: str
    operation_id: str
    summary: Lazy[str]
    tag: str
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    query: list[QueryParam] = field(default_factory=list)
    #: Streamed, non-JSON answers: content type -> description.
    media: Lazy[dict[str, str]] = field(default_factory=dict)
    #: Allowed values of string path parameters.
    path_enums: Lazy[dict[str, list[str]]] = field(default_factory=dict)
    #: Longer text than the summary (Markdown), if any.
    description: Lazy[str | None] = None


OPERATIONS: list[Operation] = []
_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
ERROR_STATUSES = {
    "400": "The request could not be read.",
    "401": "No valid bearer token.",
    "403": "Your role or the annotation's author does not allow this.",
    "404": "No such resource (or not visible to you).",
    "409": "Conflict: stale version or a state that does not allow this.",
    "413": "The request is too large.",
    "415": "Send JSON (Content-Type: application/json).",
    "422": "The data is not valid; `fields` says where.",
    "429": "Too many requests for this token; see Retry-After.",
}


def current_user_from_token():
    return g.api_user


def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    found = authenticate(db.session, secret.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise ApiError(
            401,
            "unauthorized",
            gettext("Send a valid personal access token: Authorization: Bearer fc_..."),
        )
    token, user = found
    limit = current_app.config["API_RATE_LIMIT_PER_MINUTE"]
    rate = hit(db.session, f"token:{token.id}", limit=limit)
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now  # to the minute is enough; saves a write per request
    # The count is its own unit of work: it stands even if the operation fails later.
    db.session.commit()
    if not rate.allowed:
        raise ApiError(
            429,
            "rate_limited",
            gettext(
                "More than %(limit)s requests a minute with this token; slow down.", limit=limit
            ),
            retry_after=rate.retry_after,
        )
    g.api_user, g.api_token = user, token


def _body(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            gettext("Send a JSON body with Content-Type: application/json."),
        )
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes
        data = None
    if data is None:
        raise ApiError(400, "bad_json", gettext("The body is not valid JSON."))
    where = _nul_at(data)
    if where:
        message = gettext("Text with a NUL character cannot be stored.")
        raise ApiError(
            422,
            "invalid",
            gettext("“%(field)s”: %(message)s", field=where, message=message),
            {str(where): [message]},
        )
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields: dict[str, list[str]] = {}
        for problem in error.errors(include_url=False):
            where = ".".join(str(part) for part in problem["loc"]) or "body"
            fields.setdefault(where, []).append(problem["msg"])
        raise ApiError(422, "invalid", gettext("The data is not valid."), fields) from None


def _nul_at(value: Any, path: str = "body", depth: int = 0) -> str | None:
    """Where in the parsed JSON a string holds a NUL (no text column can store one)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if depth > 50:
        return None  # pydantic refuses shapes this deep anyway
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _nul_at(str(key), path, depth) or _nul_at(
            item, key if path == "body" else f"{path}.{key}", depth + 1
        )
        if found:
            return found
    return None


def operation(
    path: str,
    method: str,
    *,
    summary: Lazy[str],
    tag: str,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    query: list[QueryParam] | None = None,
    media: Lazy[dict[str, str]] | None = None,
    path_enums: Lazy[dict[str, list[str]]] | None = None,
    description: Lazy[str | None] = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
        OPERATIONS.append(
            Operation(
                path,
                method.upper(),
                function.__name__,
                summary,
                tag,
                body,
                response,
                status,
                query or [],
                media or {},
                path_enums or {},
                description,
            )
        )

        @wraps(function)
        def view(**kwargs: Any) -> Any:
            _authenticate()
            if body is not None:
                kwargs["body"] = _body(body)
            # One unit of work per operation: committed when it returns (before a streamed
            # body starts), rolled back when it raises; the error handler writes the
            # JSON error body.
            with unit_of_work():
                result = function(**kwargs)
            if isinstance(result, Response):
                return result
            if isinstance(result, BaseModel):
                # pydantic writes the JSON itself, several times faster than dumping it to
                # dicts for Flask's encoder (a 1,000-claim article: 2 ms instead of 10).
                return Response(
                    result.model_dump_json(), status=status, mimetype="application/json"
                )
            return jsonify(result), status

        bp.add_url_rule(path, endpoint=function.__name__, view_func=view, methods=[method.upper()])
        return view

    return decorator


def int_query(name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """An optional whole-number query parameter (ASCII digits), or a 422 naming it."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isascii() or not raw.isdigit():
        raise ApiError(
            422,
            "invalid",
            gettext("“%(name)s” must be a whole number in the digits 0–9.", name=name),
            {name: [gettext("Not a number.")]},
        )
    try:
        return parse_number(raw, minimum=minimum, maximum=maximum)
    except ValueError:
        message = gettext("From %(minimum)s to %(maximum)s.", minimum=minimum, maximum=maximum)
        raise ApiError(
            422, "invalid", gettext("“%(name)s” is out of range.", name=name), {name: [message]}
        ) from None


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description, generated from the registered operations."""
    models = {schemas.Error}
    for op in OPERATIONS:
        models.update(m for m in (op.body, op.response) if m is not None)
    _, definitions = models_json_schema(
        [(model, "serialization") for model in sorted(models, key=lambda m: m.__name__)]
        + [(op.body, "validation") for op in OPERATIONS if op.body is not None],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        openapi_path = _PATH_PARAM.sub(r"{\2}", op.path)
        summary, media = _resolve(op.summary), _resolve(op.media)
        path_enums, description = _resolve(op.path_enums), _resolve(op.description)
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}
                if converter == "int"
                else {"type": "string", "enum": path_enums[name]},
            }
            for converter, name in _PATH_PARAM.findall(op.path)
        ] + [
            {
                "name": q.name,
                "in": "query",
                "required": False,
                "schema": q.schema,
                "description": q.description,
            }
            for q in op.query
        ]
        responses: dict[str, Any] = {}
        if media:
            responses[str(op.status)] = {
                "description": "Streamed export.",
                "content": {
                    kind: {
                        "schema": {"type": "object"}
                        if kind.endswith("+json")
                        else {"type": "string"}
                    }
                    for kind in media
                },
            }
        else:
            responses[str(op.status)] = {
                "description": summary,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{op.response.__name__}"}
                        if op.response
                        else {"type": "object"}
                    }
                },
            }
        error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for code, text in ERROR_STATUSES.items():
            responses[code] = {"description": text, "content": error_ref}
        entry: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": summary,
            "tags": [op.tag],
            "parameters": parameters,
            "responses": responses,
            "security": [{"bearer": []}],
        }
        if description:
            entry["description"] = description
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}
                    }
                },
            }
        paths.setdefault(f"/api/v1{openapi_path}", {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "factcheck API",
            "version": "1.0.0",
            "description": "Articles, claims, annotations, the review workflow and exports. "
            "Authenticate with a personal access token: `Authorization: Bearer fc_...`.",
        },
        "paths": paths,
        "components": {
            "schemas": definitions["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
