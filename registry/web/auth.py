"""Logging in and out, and the role checks every page uses."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from registry.models import Role, User
from registry.request_session import begins_reading, get_session
from registry.services.accounts.accounts import authenticate
from registry.services.accounts.actors import Actor
from registry.services.accounts.login_throttle import LoginThrottle
from registry.web.i18n import N_

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = N_("Please log in to see this page.")
login_manager.localize_callback = gettext  # the message is flashed in the reader's language
throttle = LoginThrottle()

HOME_BY_ROLE = {
    Role.COLLEGE: "college.dashboard",
    Role.UNIVERSITY: "university.dashboard",
    Role.REGULATOR: "regulator.dashboard",
    Role.ADMIN: "regulator.dashboard",
}


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


class LoginForm(FlaskForm):
    email = EmailField(lazy_gettext("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(lazy_gettext("Password"),
                             validators=[DataRequired(), Length(max=200)])


def web_actor() -> Actor:
    """The logged-in user as the actor passed to services."""
    return Actor.for_user(current_user, request.remote_addr)


def role_required(*roles: str):
    """Let only logged-in users with one of these roles in; others get 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403, gettext("This page is for %(roles)s.", roles=roles_in_words(roles)))
            return view(*args, **kwargs)
        return wrapped
    return decorator


ROLE_WORDS = {
    Role.COLLEGE: N_("college data officers"),
    Role.UNIVERSITY: N_("university reviewers"),
    Role.REGULATOR: N_("regulator analysts"),
    Role.ADMIN: N_("administrators"),
}


def roles_in_words(roles: tuple[str, ...]) -> str:
    """Name the roles a page is for, as a person would say them."""
    words = [gettext(ROLE_WORDS[role]) if role in ROLE_WORDS else role for role in roles]
    if len(words) == 1:
        return words[0]
    return gettext("%(first)s and %(last)s", first=gettext(", ").join(words[:-1]),
                   last=words[-1])


@bp.route("/login", methods=["GET", "POST"])
@begins_reading  # logging in only reads: no wait for SQLite's write lock
def login():
    """Log in with email and password (argon2 hashes; repeated failures are throttled)."""
    form = LoginForm()
    if form.validate_on_submit():
        address, email = request.remote_addr or "", form.email.data
        wait = throttle.blocked_for(address, email)
        if wait:
            flash(gettext("Too many failed attempts. Try again in %(minutes)s minutes.",
                          minutes=int(wait // 60) + 1), "error")
            return render_template("login.html", form=form), 429
        user = authenticate(get_session(), email, form.password.data)
        if user is None:
            throttle.record_failure(address, email)
            flash(gettext("Email or password is not correct."), "error")
            return render_template("login.html", form=form), 401
        throttle.reset(address, email)
        login_user(user)
        return redirect(url_for(HOME_BY_ROLE.get(user.role, "pages.index")))
    return render_template("login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(gettext("You are logged out."), "info")
    return redirect(url_for("pages.index"))


@bp.get("/home")
@login_required
def home():
    return redirect(url_for(HOME_BY_ROLE.get(current_user.role, "pages.index")))
