"""Log in and out, passwords, invitations, API tokens, and the admin pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from portal import audit_filters, audit_sentences
from portal.auth import open_work, operations, permissions, queries
from portal.auth.forms import (
    ConfirmForm,
    EditUserForm,
    InviteUserForm,
    LoginForm,
    PasswordChangeForm,
    SetPasswordForm,
    TokenForm,
)
from portal.auth.models import ApiToken, User
from portal.auth.session import LOGIN_AT_KEY, internal_required, redirect_next
from portal.auth.throttle import LoginThrottle
from portal.db import utcnow
from portal.extensions import db, limiter
from portal.urls import absolute_url

blueprint = Blueprint("auth", __name__, url_prefix="/intern")
AUDIT_PAGE_SIZE = 50


def _submitted_account() -> str:
    return operations.normalize_email(request.form.get("email", ""))[:254]


def _login_account_key() -> str:
    # Counted per submitted address, whether or not such an account exists.
    return "login:" + _submitted_account()


def _failed_login(response) -> bool:
    # Only wrong passwords count: a successful login never brings anyone closer to a limit.
    return response.status_code == 401


def _wait_message(seconds: int) -> str:
    if seconds <= 90:
        return ngettext(
            "Too many attempts. Wait %(num)d second and try again.",
            "Too many attempts. Wait %(num)d seconds and try again.",
            seconds,
        )
    minutes = -(-seconds // 60)
    return ngettext(
        "Too many attempts. Wait %(num)d minute and try again.",
        "Too many attempts. Wait %(num)d minutes and try again.",
        minutes,
    )


def _too_many_attempts(form: LoginForm, seconds: int):
    form.password.errors.append(_wait_message(seconds))
    response = current_app.make_response((render_template("auth/login.html", form=form), 429))
    g.retry_after = seconds  # set last by portal/security.py, after Flask-Limiter's headers
    return response


@blueprint.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed_login,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("assessments.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        throttle = LoginThrottle.for_app(limiter.storage)
        account, address = _submitted_account(), get_remote_address() or ""
        wait = throttle.retry_after(account, address)
        if wait:
            # The password is not even checked while this account waits at this address.
            return _too_many_attempts(form, wait)
        user = operations.authenticate(db.session, form.email.data, form.password.data)
        db.session.commit()
        if user is not None:
            throttle.succeeded(account, address)
            session.clear()  # a fresh session on login
            session.permanent = True
            login_user(user)
            session[LOGIN_AT_KEY] = utcnow().timestamp()
            return redirect_next("assessments.dashboard")
        throttle.failed(account, address)
        # The same words whether the account exists or not.
        form.password.errors.append(_("Email address or password is not correct."))
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@blueprint.post("/uitloggen")
@login_required
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    # A new session token: this cookie, and any copy of it, no longer logs anyone in.
    operations.logout(db.session, current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("register.home"))


@blueprint.route("/wachtwoord", methods=["GET", "POST"])
@internal_required(permissions.can_use_internal_side)
def change_password():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not operations.passwords.verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
            status = 422
        else:
            try:
                operations.set_password(db.session, user, form.new_password.data, actor=user)
            except operations.AccountError as error:
                form.new_password.errors.append(error.message)
                status = 422
            else:
                db.session.commit()
                login_user(user)  # this session stays; the others end
                session[LOGIN_AT_KEY] = utcnow().timestamp()
                flash(_("Your password has been changed."), "ok")
                return redirect(url_for("assessments.dashboard"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/password.html", form=form), status


@blueprint.route("/uitnodiging/<secret>", methods=["GET", "POST"])
def accept_invitation(secret: str):
    user = operations.user_for_invitation(db.session, secret)
    if user is None:
        return render_template("auth/invitation_invalid.html"), 404
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            operations.accept_invitation(db.session, user, form.new_password.data)
        except operations.AccountError as error:
            form.new_password.errors.append(error.message)
            status = 422
        else:
            db.session.commit()
            flash(_("Your password is set. You can log in now."), "ok")
            return redirect(url_for("auth.login"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/invitation.html", form=form, user=user), status


@blueprint.route("/tokens", methods=["GET", "POST"])
@internal_required(permissions.can_use_internal_side)
def tokens():
    form = TokenForm()
    new_secret = None
    status = 200
    if form.validate_on_submit():
        _token, new_secret = operations.issue_token(
            db.session, current_user, current_user, form.name.data
        )
        db.session.commit()
        form = TokenForm(formdata=None)
    elif request.method == "POST":
        status = 422
    own = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    )
    return render_template(
        "auth/tokens.html",
        form=form,
        tokens=list(own),
        new_secret=new_secret,
        confirm=ConfirmForm(),
    ), status


@blueprint.post("/tokens/<int:token_id>/intrekken")
@internal_required(permissions.can_use_internal_side)
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id) or abort(404)
    if not permissions.can_manage_token(current_user, token.user_id):
        abort(404)  # not yours: do not tell that it exists
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.revoke_token(db.session, current_user, token)
    db.session.commit()
    flash(_("The token has been revoked. Scripts using it no longer have access."), "ok")
    if token.user_id != current_user.id:
        return redirect(url_for("auth.edit_user", user_id=token.user_id))
    return redirect(url_for("auth.tokens"))


@blueprint.route("/beheer/gebruikers", methods=["GET", "POST"])
@internal_required(permissions.can_administer_users)
def users():
    form = InviteUserForm()
    invitation_link = None
    status = 200
    if form.validate_on_submit():
        try:
            user, secret = operations.invite(
                db.session, current_user, form.email.data, form.name.data, set(form.roles.data)
            )
        except operations.AccountError as error:
            form.email.errors.append(error.message)
            status = 422
        else:
            db.session.commit()
            invitation_link = absolute_url("auth.accept_invitation", secret=secret)
            current_app.logger.info("invitation created", extra={"user_id": user.id})
            flash(_("%(email)s has been invited.", email=user.email), "ok")
            form = InviteUserForm(formdata=None)
    elif request.method == "POST":
        status = 422
    all_users = db.session.scalars(select(User).order_by(User.name))
    return render_template(
        "auth/users.html", form=form, users=list(all_users), invitation_link=invitation_link
    ), status


@blueprint.route("/beheer/gebruikers/<int:user_id>", methods=["GET", "POST"])
@internal_required(permissions.can_administer_users)
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = EditUserForm(
        obj=user, data=None if request.method == "POST" else {"roles": sorted(user.roles)}
    )
    status = 200
    if form.validate_on_submit():
        # Deactivating is confirmed on its own page (it lists the person's open work): the
        # other changes are saved, the account stays active until then.
        confirm_first = user.active and not form.active.data
        try:
            operations.update_user(
                db.session,
                current_user,
                user,
                name=form.name.data,
                roles=set(form.roles.data),
                active=True if confirm_first else form.active.data,
            )
        except operations.AccountError as error:
            form.roles.errors.append(error.message)
            status = 409
        else:
            db.session.commit()
            if confirm_first:
                return redirect(url_for("auth.deactivate_user", user_id=user.id))
            flash(_("The changes have been saved."), "ok")
            return redirect(url_for("auth.users"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "auth/user_edit.html", form=form, user=user, confirm=ConfirmForm()
    ), status


@blueprint.route("/beheer/gebruikers/<int:user_id>/deactiveren", methods=["GET", "POST"])
@internal_required(permissions.can_administer_users)
def deactivate_user(user_id: int):
    """Confirm first, with the person's open work listed (reviews, conditions): then the
    account is deactivated and its sessions end."""
    user = db.session.get(User, user_id) or abort(404)
    if not user.active:
        flash(_("%(name)s is already deactivated.", name=user.name), "info")
        return redirect(url_for("auth.edit_user", user_id=user.id))
    form = ConfirmForm()
    problem, status = None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            operations.deactivate(db.session, current_user, user)
        except operations.AccountError as error:
            db.session.rollback()
            problem, status = error.message, 409
        else:
            db.session.commit()
            flash(_("The account of %(name)s is deactivated.", name=user.name), "ok")
            return redirect(url_for("auth.users"))
    items = open_work.of_user(db.session, user)
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(item.kind, []).append(item)
    return render_template(
        "auth/deactivate.html", user=user, form=form, groups=groups, problem=problem
    ), status


@blueprint.get("/beheer/audit")
@internal_required(permissions.can_view_audit_log)
def audit_log():
    from portal.input_guard import parse_int

    # ASCII digits only, and bounded: a huge page would overflow the database's OFFSET.
    page = parse_int(request.args.get("page"), 1, 1, 1_000_000)
    choices = queries.audit_filter_choices(db.session)
    raw = audit_filters.raw_values(request.args)
    filters, errors = audit_filters.parse(
        raw,
        actions={code for code, _label in choices.actions},
        object_types={code for code, _label in choices.object_types},
        actor_ids={user_id for user_id, _label in choices.actors},
    )
    events = []
    if not errors:
        statement = audit_filters.statement(filters)
        events = list(
            db.session.scalars(
                statement.limit(AUDIT_PAGE_SIZE + 1).offset((page - 1) * AUDIT_PAGE_SIZE)
            )
        )
    return render_template(
        "auth/audit.html",
        events=audit_sentences.describe(db.session, events[:AUDIT_PAGE_SIZE], current_user),
        has_next=len(events) > AUDIT_PAGE_SIZE,
        page=page,
        filters={name: value for name, value in raw.items() if value},
        raw=raw,
        errors=errors,
        choices=choices,
        system=audit_filters.SYSTEM,
    ), 422 if errors else 200
