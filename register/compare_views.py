"""/vergelijk: the home organisation's entries beside other organisations' (public)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from portal.extensions import db
from register import compare
from register.standard import CATEGORIES

compare_blueprint = Blueprint("compare", __name__)


@compare_blueprint.get("/vergelijk")
def compare_page():
    query = compare.CompareQuery.from_args(request.args)
    home = current_app.config["ORGANIZATION_NAME"]
    return render_template(
        "register/compare.html",
        query=query,
        result=compare.compare(db.session, home, query),
        home=home,
        categories=CATEGORIES,
    )


@compare_blueprint.app_template_global("similar_entries")
def similar_entries(algorithm) -> list:
    """For templates/register/_similar.html: one indexed read (register/similar.py)."""
    from register import similar

    return similar.similar_to(db.session, algorithm)
