"""Flask-Login wiring, role checks for views, and safe redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort
from flask_babel import gettext, lazy_gettext
from flask_login import LoginManager, current_user, login_required

from factcheck.extensions import db
from factcheck.users import operations
from factcheck.users.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


def init_login_manager(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = lazy_gettext("Please log in to see this page.")
    # Flashed in the reader's language: the session stores the text, not the lazy string.
    manager.localize_callback = str
    manager.login_message_category = "info"

    @manager.user_loader
    def load_user(token: str) -> User | None:
        # The cookie holds a login-session token; a deleted or expired session,
        # or a deactivated user, means anonymous from this request on.
        return operations.load_session_user(db.session, token)


def role_required(role: Role) -> Callable[[F], F]:
    """Let only logged-in users with ``role`` or above through; others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(role):
                abort(
                    403, description=gettext("This page needs the %(role)s role.", role=role.noun)
                )
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def is_safe_next(target: str | None) -> bool:
    """Whether ``target`` is a path on this site (no scheme, host, or ``//`` tricks)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t\x00"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def current_app_user() -> User:
    """The logged-in user as a model instance (views behind ``login_required`` only)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def template_globals() -> dict[str, Any]:
    """Templates decide what to show by role (``current_user.has_role(Role.REVIEWER)``)."""
    return {"Role": Role}
