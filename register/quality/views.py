"""The internal quality page (admin): broken links and the completeness of each entry."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from portal.auth import permissions
from portal.auth.session import internal_required
from portal.extensions import db
from register.models import Algorithm
from register.quality.checks import broken_links
from register.quality.completeness import completeness

quality_blueprint = Blueprint("quality", __name__, url_prefix="/intern/beheer")


@quality_blueprint.get("/kwaliteit")
@internal_required(permissions.can_publish)
def overview():
    entries = db.session.scalars(
        select(Algorithm)
        .where(Algorithm.is_published.is_(True))
        .order_by(Algorithm.completeness.asc().nulls_first(), Algorithm.sort_name)
        .limit(200)
    ).all()
    return render_template(
        "register/quality.html",
        broken=broken_links(db.session),
        entries=[(entry, completeness(entry.content or {})) for entry in entries],
    )
