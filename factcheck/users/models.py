"""Accounts, roles and login sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factcheck.db import Base, enum_values, intpk, str200, utcnow


class Role(enum.StrEnum):
    """What a user may do; each role includes everything below it."""

    #: Annotates claims and submits annotations for review.
    ANNOTATOR = "annotator"
    #: Also reviews other people's annotations and assigns work.
    REVIEWER = "reviewer"
    #: Also manages users and the verdict scale, and sees the global audit log.
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    @property
    def label(self) -> str:
        """The role's name on its own, in the reader's language ("Reviewer")."""
        return str(ROLE_LABELS[self])

    @property
    def noun(self) -> str:
        """The role's name inside a sentence or on a badge ("needs the reviewer role")."""
        return str(ROLE_NOUNS[self])


#: Each role's name in the reader's language, alone (a menu, a list of facts)...
ROLE_LABELS = {
    Role.ANNOTATOR: lazy_gettext("Annotator"),
    Role.REVIEWER: lazy_gettext("Reviewer"),
    Role.ADMIN: lazy_gettext("Admin"),
}
#: ...and inside a sentence or on a badge.
ROLE_NOUNS = {
    Role.ANNOTATOR: lazy_gettext("annotator"),
    Role.REVIEWER: lazy_gettext("reviewer"),
    Role.ADMIN: lazy_gettext("admin"),
}


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[intpk]
    #: Lower-cased at the boundary; the CHECK keeps it that way.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str200]
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="role",
            values_callable=enum_values,
            native_enum=False,
            length=20,
            create_constraint=True,
        ),
        default=Role.ANNOTATOR,
    )
    #: Deactivated users cannot log in and their sessions end; rows are never deleted
    #: because the audit history refers to them.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The interface language the user chose ("es"); None follows the browser's.
    locale: Mapped[str | None] = mapped_column(String(16))

    sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def has_role(self, role: Role) -> bool:
        """Whether this user's role is ``role`` or above it."""
        return self.role.rank >= role.rank

    # Flask-Login reads these; the session id is set by the loader, see users/auth.py.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        # Flask-Login stores this in the cookie: the login session's token, never the
        # user id, so ending the LoginSession row ends the cookie's validity.
        return getattr(self, "_login_session_token", None)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


class LoginSession(Base):
    """One login on one browser.

    The signed cookie only carries a random token; the row is what makes the cookie
    valid. Logout deletes the row, so a copied cookie is worthless afterwards, and
    password changes or deactivation delete the user's other rows.
    """

    __tablename__ = "login_sessions"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token in the cookie; a leaked table does not yield live cookies.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ip_address: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(back_populates="sessions")


class ApiToken(Base):
    """A personal access token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the token, so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
