"""The audit sentences of accounts: logging in and out, users, API tokens."""

from __future__ import annotations

import re

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import select

from portal.audit_sentences import ObjectRef, detail, objects, sentence
from portal.auth import permissions
from portal.auth.models import ApiToken, User


@objects("user", _l("Account"))
def _users(session, ids, viewer):
    numbers = [int(i) for i in ids if i.isdigit()]
    may_edit = permissions.can_administer_users(viewer)
    return {
        str(user.id): ObjectRef(
            user.name, url_for("auth.edit_user", user_id=user.id) if may_edit else None
        )
        for user in session.scalars(select(User).where(User.id.in_(numbers)))
    }


@objects("api_token", _l("API token"))
def _tokens(session, ids, viewer):
    numbers = [int(i) for i in ids if i.isdigit()]
    refs = {}
    for token in session.scalars(select(ApiToken).where(ApiToken.id.in_(numbers))):
        if viewer is not None and token.user_id == getattr(viewer, "id", None):
            url = url_for("auth.tokens")
        elif permissions.can_administer_users(viewer):
            url = url_for("auth.edit_user", user_id=token.user_id)
        else:
            url = None
        refs[str(token.id)] = ObjectRef(f"{token.prefix}…", url)
    return refs


@sentence("auth.login", _l("Logged in"))
def _login(event, p):
    return _("%(who)s logged in.", who=p.who)


@sentence("auth.logout", _l("Logged out"))
def _logout(event, p):
    return _("%(who)s logged out.", who=p.who)


@sentence("auth.login_failed", _l("Failed login"))
def _login_failed(event, p):
    # The summary holds the address that was tried ("failed login for x@example.nl").
    tried = (event.summary or "").removeprefix("failed login for ").strip()
    return _("Failed login for %(account)s.", account=escape(tried or "?"))


@sentence("user.created", _l("Account created"))
def _user_created(event, p):
    return _("%(who)s created the account of %(object)s.", who=p.who, object=p.object)


@sentence("user.invited", _l("User invited"))
def _user_invited(event, p):
    return _("%(who)s invited %(object)s.", who=p.who, object=p.object)


@sentence("user.password_changed", _l("Password changed"))
def _password_changed(event, p):
    if p.actor_is_object:
        return _("%(who)s changed their password.", who=p.who)
    return _("%(who)s set the password of %(object)s.", who=p.who, object=p.object)


def account_changes(event) -> list[str]:
    """What an account change changed: "name", "roles", "activated", "deactivated" (from
    the details; older events only have the summary)."""
    changes = detail(event, "changes")
    if isinstance(changes, list):
        return [str(c) for c in changes]
    summary = event.summary or ""
    found = [word for word in ("name", "roles") if re.search(rf"(: |; ){word} ", summary)]
    return found + re.findall(r"\b(?:de)?activated\b", summary)


@sentence("user.updated", _l("Account changed"))
def _user_updated(event, p):
    changes = account_changes(event)
    if "deactivated" in changes:
        return _("%(who)s deactivated the account of %(object)s.", who=p.who, object=p.object)
    if "activated" in changes:
        return _("%(who)s activated the account of %(object)s again.", who=p.who, object=p.object)
    if changes == ["roles"]:
        return _("%(who)s changed the roles of %(object)s.", who=p.who, object=p.object)
    return _("%(who)s changed the account of %(object)s.", who=p.who, object=p.object)


@sentence("token.issued", _l("API token issued"))
def _token_issued(event, p):
    return _("%(who)s issued API token %(object)s.", who=p.who, object=p.object)


@sentence("token.revoked", _l("API token revoked"))
def _token_revoked(event, p):
    return _("%(who)s revoked API token %(object)s.", who=p.who, object=p.object)
