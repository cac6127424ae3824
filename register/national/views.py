"""The internal page on delivery to the national register (admin role)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from portal.auth import permissions
from portal.auth.session import internal_required
from portal.extensions import db
from portal.urls import absolute_url
from register.national import status
from register.national.sync import State

national_blueprint = Blueprint("national", __name__, url_prefix="/intern/beheer")


def _register_url(slug: str) -> str:
    return absolute_url("register.entry", slug=slug)


@national_blueprint.get("/landelijk-register")
@internal_required(permissions.can_publish)
def deliveries():
    states = status.entry_states(db.session, current_app.config["ORGANIZATION_NAME"], _register_url)
    counts = dict.fromkeys(State, 0)
    for entry in states:
        counts[entry.state] += 1
    return render_template(
        "register/national.html",
        states=states,
        counts=counts,
        labels=status.STATE_LABELS,
        configured=bool(current_app.config.get("NATIONAL_API_URL")),
    )
