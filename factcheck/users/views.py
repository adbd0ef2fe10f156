"""Login, logout, own account, and the admin pages for users."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, ngettext, refresh
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers.response import Response

from factcheck import ratelimit
from factcheck.db import parse_id, utcnow
from factcheck.errors import DomainError, ValidationFailed
from factcheck.extensions import db
from factcheck.unit_of_work import show_on_form, unit_of_work
from factcheck.users import operations
from factcheck.users.auth import current_app_user, is_safe_next, role_required
from factcheck.users.forms import (
    ChangePasswordForm,
    CreateUserForm,
    EditUserForm,
    LanguageForm,
    LoginForm,
    LogoutForm,
    ResetPasswordForm,
    TokenForm,
)
from factcheck.users.models import Role, User

auth_bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


@auth_bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Show the login form and log the user in."""
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("home"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        keys = _throttle_keys(form.email.data or "")
        blocked = _throttled(keys)
        if blocked:
            return _too_many_attempts(form, next_url, blocked)
        user = operations.authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is None:
            failed = True
            limit = current_app.config["LOGIN_FAILURES_PER_MINUTE"]
            with unit_of_work():  # failures count even though nothing else changes
                for key in keys:
                    ratelimit.hit(db.session, key, limit=limit)
        else:
            remember = bool(form.remember.data)
            lifetime = (
                current_app.config["REMEMBER_COOKIE_DURATION"]
                if remember
                else current_app.config["SESSION_LIFETIME"]
            )
            with unit_of_work():
                operations.start_session(
                    db.session,
                    user,
                    lifetime_until=utcnow() + lifetime,
                    user_agent=request.user_agent.string,
                    ip_address=request.remote_addr,
                )
            # A fresh cookie at login: nothing set before authentication survives it.
            session.clear()
            login_user(user, remember=remember, duration=lifetime)
            return redirect(next_url if is_safe_next(next_url) else url_for("home"))
    status = 401 if failed else 200
    return render_template("auth/login.html", form=form, failed=failed, next_url=next_url), status


def _throttle_keys(email: str) -> list[str]:
    """Failures are counted per account and per address: guessing one account from many
    places, or many accounts from one place, both hit a limit."""
    return [
        f"login:account:{operations.normalise_email(email)[:254]}",
        f"login:address:{request.remote_addr or 'unknown'}",
    ]


def _throttled(keys: list[str]) -> int:
    """Seconds to wait if any key had too many failures this minute, else 0."""
    limit = current_app.config["LOGIN_FAILURES_PER_MINUTE"]
    if any(ratelimit.peek(db.session, key) >= limit for key in keys):
        return ratelimit.seconds_left()
    return 0


def _too_many_attempts(form: LoginForm, next_url: str | None, wait: int) -> Response:
    page = render_template("auth/login.html", form=form, failed=False, next_url=next_url, wait=wait)
    response = current_app.make_response((page, 429))
    response.headers["Retry-After"] = str(wait)
    return response


@auth_bp.route("/logout", methods=["GET", "POST"])
def logout() -> str | Response:
    """Ask to confirm (GET) or end this login session (POST)."""
    form = LogoutForm()
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return render_template("auth/logout.html", form=form)
    if form.validate_on_submit() and current_user.is_authenticated:
        token = current_user.get_id()
        if token:
            with unit_of_work():
                operations.end_session(db.session, token)
    logout_user()
    session.clear()
    flash(gettext("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@auth_bp.route("/account", methods=["GET"])
@login_required
def account() -> str:
    """Show the user's own account and the password form."""
    return _account_page()


def _account_page(
    password_form: ChangePasswordForm | None = None, language_form: LanguageForm | None = None
) -> str:
    user = current_app_user()
    return render_template(
        "account/index.html",
        form=password_form or ChangePasswordForm(),
        language_form=language_form or LanguageForm(locale=user.locale or ""),
        sessions=operations.count_active_sessions(db.session, user),
    )


@auth_bp.route("/account/language", methods=["POST"])
@login_required
def choose_language() -> str | Response:
    """Set the interface language (or go back to the browser's)."""
    user = current_app_user()
    form = LanguageForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                changed = operations.choose_interface_language(
                    db.session, user, form.locale.data or None
                )
        except DomainError as error:
            show_on_form(form, error)
        else:
            # The confirmation is in the language just chosen.
            refresh()
            if changed:
                flash(gettext("The interface language is changed."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(language_form=form), 422


@auth_bp.route("/account/password", methods=["POST"])
@login_required
def change_password() -> str | Response:
    """Change the user's own password; other sessions end."""
    user = current_app_user()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                revoked = operations.change_own_password(
                    db.session,
                    user,
                    current=form.current_password.data or "",
                    new=form.new_password.data or "",
                )
        except DomainError as error:
            show_on_form(form, error)
        else:
            if revoked:
                message = ngettext(
                    "Your password is changed. Your other sessions were logged out. Your "
                    "%(num)d API token was revoked: create new ones for your programs.",
                    "Your password is changed. Your other sessions were logged out. Your "
                    "%(num)d API tokens were revoked: create new ones for your programs.",
                    revoked,
                )
            else:
                message = gettext("Your password is changed. Your other sessions were logged out.")
            flash(message, "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form), 422


@auth_bp.route("/account/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere() -> Response:
    """End every login session of this user, this one included."""
    form = LogoutForm()
    if form.validate_on_submit():
        with unit_of_work():
            operations.end_all_sessions(db.session, current_app_user())
    logout_user()
    session.clear()
    flash(gettext("You are logged out on every device."), "info")
    return redirect(url_for("auth.login"))


@admin_bp.route("/users", methods=["GET"])
@role_required(Role.ADMIN)
def users() -> str:
    """List every account with the form to add one."""
    all_users = db.session.scalars(select(User).order_by(User.active.desc(), User.email)).all()
    return render_template("admin/users.html", users=all_users, form=CreateUserForm())


@admin_bp.route("/users", methods=["POST"])
@role_required(Role.ADMIN)
def create_user() -> str | Response:
    """Create an account."""
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = operations.create_user(
                    db.session,
                    current_app_user(),
                    email=form.email.data or "",
                    name=form.name.data or "",
                    password=form.password.data or "",
                    role=Role(form.role.data),
                )
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(
                gettext("Created %(email)s (%(role)s).", email=user.email, role=user.role.noun),
                "success",
            )
            return redirect(url_for("admin.users"))
    all_users = db.session.scalars(select(User).order_by(User.active.desc(), User.email)).all()
    return render_template("admin/users.html", users=all_users, form=form), 422


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int) -> str | Response:
    """Change a user's name, role and active flag."""
    user = operations.get_user(db.session, user_id)
    form = EditUserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.role.data = user.role.value
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                operations.update_user(
                    db.session,
                    current_app_user(),
                    user,
                    name=form.name.data or "",
                    role=Role(form.role.data),
                    active=bool(form.active.data),
                )
        except DomainError as error:
            show_on_form(form, error, always_flash=True)
            status = error.status_code
        else:
            flash(gettext("Saved %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "admin/edit_user.html", user=user, form=form, reset_form=ResetPasswordForm()
    ), status


@admin_bp.route("/users/<int:user_id>/password", methods=["POST"])
@role_required(Role.ADMIN)
def reset_password(user_id: int) -> str | Response:
    """Set a new password for a user; their sessions end."""
    user = operations.get_user(db.session, user_id)
    reset_form = ResetPasswordForm()
    if reset_form.validate_on_submit():
        try:
            with unit_of_work():
                revoked = operations.reset_password(
                    db.session, current_app_user(), user, new=reset_form.new_password.data or ""
                )
        except DomainError as error:
            show_on_form(reset_form, error)
        else:
            if revoked:
                message = ngettext(
                    "New password set for %(email)s; their sessions were ended and their "
                    "%(num)d API token was revoked.",
                    "New password set for %(email)s; their sessions were ended and their "
                    "%(num)d API tokens were revoked.",
                    revoked,
                    email=user.email,
                )
            else:
                message = gettext(
                    "New password set for %(email)s; their sessions were ended.", email=user.email
                )
            flash(message, "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    form = EditUserForm(obj=user)
    form.role.data = user.role.value
    return render_template("admin/edit_user.html", user=user, form=form, reset_form=reset_form), 422


@auth_bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> tuple[str, int] | Response:
    """List, create (shown once) and revoke personal access tokens for the API."""
    from factcheck.users import tokens as token_ops

    user = current_app_user()
    form = TokenForm()
    new_secret = None
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        revoke = request.form.get("revoke")
        try:
            with unit_of_work():
                if revoke:
                    token_ops.revoke_token(db.session, user, _chosen_token_id(revoke))
                else:
                    _token, new_secret = token_ops.create_token(
                        db.session, user, form.name.data or ""
                    )
        except DomainError as error:
            show_on_form(form, error)
            status = error.status_code
        else:
            if revoke:
                flash(gettext("Token revoked: it no longer works."), "success")
                return redirect(url_for("auth.tokens"))
    elif request.method == "POST":
        status = 422
    page = render_template(
        "account/tokens.html",
        form=TokenForm(formdata=None) if new_secret else form,
        tokens=token_ops.user_tokens(db.session, user),
        new_secret=new_secret,
    )
    return page, status


def _chosen_token_id(posted: str) -> int:
    """:raises ValidationFailed: the posted token id is not an id."""
    try:
        return parse_id(posted)
    except ValueError:
        raise ValidationFailed(gettext("Choose a token from the list to revoke.")) from None
