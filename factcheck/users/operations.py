"""Account rules: creating users, roles, passwords, login sessions.

Operations take the acting user, check permission, change, record the audit event
and flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from factcheck.audit.recorder import diff_fields, record
from factcheck.db import utcnow
from factcheck.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from factcheck.i18n import LANGUAGES
from factcheck.users.models import LoginSession, Role, User
from factcheck.users.tokens import revoke_all_tokens
from factcheck.validators import email_address, short_text

MAX_NAME_CHARS = 200

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200

#: Checked against when the email is unknown, so both failures take the same time.
_DUMMY_HASH: dict[str, str] = {}


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _check_password_rules(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            gettext(
                "The password must be at least %(count)s characters long.",
                count=MIN_PASSWORD_LENGTH,
            ),
            fields={field: [gettext("At least %(count)s characters.", count=MIN_PASSWORD_LENGTH)]},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            gettext(
                "The password must be at most %(count)s characters long.",
                count=MAX_PASSWORD_LENGTH,
            ),
            fields={field: [gettext("At most %(count)s characters.", count=MAX_PASSWORD_LENGTH)]},
        )


def require_role(actor: User | None, role: Role) -> None:
    """:raises PermissionDenied: unless ``actor`` is an active user with ``role`` or above."""
    if actor is None or not actor.active or not actor.has_role(role):
        raise PermissionDenied(gettext("This needs the %(role)s role.", role=role.noun))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(gettext("There is no such user."))
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    actor: User | None,
    *,
    email: str,
    name: str,
    password: str | None,
    role: Role = Role.ANNOTATOR,
    active: bool = True,
    restored_from: str | None = None,
) -> User:
    """Create an account.

    :param actor: an admin, or None when the command line does it.
    :param password: None for an account nobody can log in to until an admin resets
        its password (accounts restored from an archive).
    :param restored_from: the archive the account comes from, for the audit history.
    :raises Conflict: the email is taken.
    :raises ValidationFailed: the email, name or password breaks the rules.
    """
    if actor is not None:
        require_role(actor, Role.ADMIN)
    email = email_address(email)
    name = short_text("name", name, MAX_NAME_CHARS, required=True)
    if find_user_by_email(session, email) is not None:
        raise Conflict(
            gettext("An account for %(email)s already exists.", email=email),
            fields={"email": [gettext("This email already has an account.")]},
        )
    if password is None:
        password = secrets.token_urlsafe(32)  # known to nobody: it is never shown
    else:
        _check_password_rules(password)
    user = User(
        email=email, name=name, role=role, password_hash=hash_password(password), active=active
    )
    session.add(user)
    session.flush()
    details: dict[str, list[object]] = {
        "email": [None, email],
        "name": [None, user.name],
        "role": [None, role],
    }
    if not active:
        details["active"] = [None, False]
    if restored_from is not None:
        details["restored_from"] = [None, restored_from]
    record(session, actor, "user:create", "user", user.id, details)
    return user


def update_user(
    session: Session, actor: User, user: User, *, name: str, role: Role, active: bool
) -> User:
    """Change someone's name, role or active flag.

    :raises PermissionDenied: the actor is not an admin, or would lock themselves out.
    """
    require_role(actor, Role.ADMIN)
    if user.id == actor.id and (not active or role != Role.ADMIN):
        raise PermissionDenied(
            gettext(
                "You cannot remove your own admin role or deactivate yourself; "
                "ask another admin to do it."
            )
        )
    before = {"name": user.name, "role": user.role, "active": user.active}
    after = {"name": short_text("name", name, MAX_NAME_CHARS, required=True), "role": role}
    after["active"] = active
    changes = diff_fields(before, after)
    if not changes:
        return user
    if user.active and not active:
        # Deactivation ends every session at once, not at the cookie's expiry.
        end_all_sessions(session, user)
    user.name, user.role, user.active = after["name"], role, active
    session.flush()
    record(session, actor, "user:update", "user", user.id, changes)
    return user


def change_own_password(session: Session, user: User, *, current: str, new: str) -> int:
    """Change the acting user's password, end their other sessions and revoke their API
    tokens (a leaked password may have made them); return how many tokens were revoked.

    :raises ValidationFailed: the current password is wrong or the new one breaks the rules.
    """
    if not check_password_hash(user.password_hash, current):
        raise ValidationFailed(
            gettext("The current password is not right."),
            fields={"current_password": [gettext("This is not your current password.")]},
        )
    _check_password_rules(new, field="new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_all_sessions(session, user, keep_token=getattr(user, "_login_session_token", None))
    revoked = revoke_all_tokens(session, user)
    session.flush()
    record(
        session,
        user,
        "user:password_change",
        "user",
        user.id,
        {"api_tokens_revoked": [None, revoked]},
    )
    return revoked


def choose_interface_language(session: Session, user: User, locale: str | None) -> bool:
    """Set the acting user's interface language (None: follow the browser's); return
    whether it changed.

    :raises ValidationFailed: ``locale`` is not one of the interface's languages.
    """
    locale = locale or None
    if locale is not None and locale not in LANGUAGES:
        raise ValidationFailed(
            gettext("Choose one of the listed languages."),
            fields={"locale": [gettext("Choose one of the listed languages.")]},
        )
    if locale == user.locale:
        return False
    record(session, user, "user:language", "user", user.id, {"locale": [user.locale, locale]})
    user.locale = locale
    session.flush()
    return True


def reset_password(session: Session, actor: User, user: User, *, new: str) -> int:
    """Set someone's password (admin), end all their sessions and revoke their API tokens;
    return how many tokens were revoked."""
    require_role(actor, Role.ADMIN)
    _check_password_rules(new, field="new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_all_sessions(session, user)
    revoked = revoke_all_tokens(session, user)
    session.flush()
    record(
        session,
        actor,
        "user:password_reset",
        "user",
        user.id,
        {"api_tokens_revoked": [None, revoked]},
    )
    return revoked


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None.

    The hash check runs even for unknown emails so that timing does not reveal
    which emails have accounts.
    """
    user = find_user_by_email(session, email)
    if user is None:
        if "hash" not in _DUMMY_HASH:
            _DUMMY_HASH["hash"] = hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH["hash"], password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start_session(
    session: Session,
    user: User,
    *,
    lifetime_until: datetime,
    user_agent: str | None = None,
    ip_address: str | None = None,
) -> str:
    """Open a login session for ``user`` and return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            user_id=user.id,
            token_hash=_token_hash(token),
            expires_at=lifetime_until,
            user_agent=(user_agent or "")[:300] or None,
            ip_address=(ip_address or "")[:64] or None,
        )
    )
    user.last_login_at = utcnow()
    # Purge this user's expired sessions while we are here; the table stays small.
    session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.expires_at < utcnow()
        )
    )
    session.flush()
    user._login_session_token = token  # type: ignore[attr-defined]
    return token


def load_session_user(session: Session, token: str) -> User | None:
    """Return the active user whose unexpired login session has this token."""
    user = session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.token_hash == _token_hash(token),
            LoginSession.expires_at > utcnow(),
            User.active.is_(True),
        )
    )
    if user is not None:
        user._login_session_token = token  # type: ignore[attr-defined]
    return user


def end_session(session: Session, token: str) -> None:
    """Delete one login session: its cookie stops working."""
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


def end_all_sessions(session: Session, user: User, *, keep_token: str | None = None) -> int:
    """End every login session of ``user`` except ``keep_token``'s; return how many."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token:
        query = query.where(LoginSession.token_hash != _token_hash(keep_token))
    result = session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


def count_active_sessions(session: Session, user: User) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.expires_at > utcnow())
        )
        or 0
    )
