"""Personal access tokens: created and revoked by their owner, stored hashed, shown once."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from factcheck.audit.recorder import record
from factcheck.db import utcnow
from factcheck.errors import NotFound, PermissionDenied, ValidationFailed
from factcheck.users.models import ApiToken, Role, User
from factcheck.validators import check_no_bidi

PREFIX = "fc_"
MAX_TOKENS_PER_USER = 20


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it and the secret, which is never shown again.

    :raises ValidationFailed: no name, or too many tokens.
    """
    check_no_bidi("name", name)
    name = " ".join(name.split())[:100]
    if not name:
        raise ValidationFailed(
            gettext("Give the token a name."), fields={"name": [gettext("A name is required.")]}
        )
    if not user.active:
        raise PermissionDenied(gettext("A deactivated account cannot create tokens."))
    live = session.scalars(
        select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    if len(live) >= MAX_TOKENS_PER_USER:
        raise ValidationFailed(
            gettext(
                "You already have %(count)s tokens; revoke one first.", count=MAX_TOKENS_PER_USER
            )
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_hash(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    record(session, user, "token:create", "api_token", token.id, {"name": [None, name]})
    return token, secret


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (admins may revoke anyone's)."""
    token = session.get(ApiToken, token_id)
    # Someone else's token is "not found" too: its existence does not leak.
    mine = token is not None and (token.user_id == user.id or user.has_role(Role.ADMIN))
    if token is None or token.revoked_at is not None or not mine:
        raise NotFound(gettext("There is no such active token."))
    token.revoked_at = utcnow()
    session.flush()
    record(session, user, "token:revoke", "api_token", token.id, {"name": [token.name, None]})
    return token


def revoke_all_tokens(session: Session, user: User) -> int:
    """Revoke every live token of ``user`` (the caller records why); return how many."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
    )


def authenticate(session: Session, secret: str) -> tuple[ApiToken, User] | None:
    """The live token and its active user for a presented secret, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == _hash(secret), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active:
        return None
    return token, token.user
