"""Public register pages and open-data exports. No login, published content only."""

from __future__ import annotations

import difflib
import json

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _

from portal.db import utcnow
from portal.extensions import db
from portal.urls import absolute_url
from register import exchange, feed, queries
from register.quality.checks import register_completeness
from register.standard import FIELDS_BY_NAME, LIST_FIELDS, html_to_text

register_blueprint = Blueprint("register", __name__)


def _register_query() -> queries.RegisterQuery:
    return queries.RegisterQuery.from_args(
        request.args,
        default_per_page=current_app.config["REGISTER_PAGE_SIZE"],
        max_per_page=current_app.config["API_MAX_PAGE_SIZE"],
    )


@register_blueprint.get("/")
def home():
    return render_template(
        "register/home.html",
        counts=queries.counts(db.session),
        assessed=queries.assessment_counts(db.session),
        completeness=register_completeness(db.session),
        recent=queries.search_register(
            db.session, queries.RegisterQuery(sort="recent", per_page=6), with_facets=False
        ).items,
    )


@register_blueprint.get("/algoritmes")
def index():
    query = _register_query()
    result = queries.search_register(db.session, query)
    if query.page > result.pages and result.total:
        abort(404)
    return render_template("register/index.html", query=query, result=result)


@register_blueprint.get("/algoritmes/<slug>")
def entry(slug: str):
    algorithm = queries.get_published(db.session, slug) or abort(404)
    history = queries.published_history(db.session, algorithm)
    return render_template(
        "register/entry.html",
        algorithm=algorithm,
        entry=algorithm.content,
        history=history,
        today=utcnow().date(),
    )


def _field_text(content: dict, name: str) -> str:
    value = content.get(name)
    if not value:
        return ""
    if name in LIST_FIELDS:
        return "\n".join(
            " - ".join(v for v in item.values() if v) if isinstance(item, dict) else str(item)
            for item in value
        )
    return html_to_text(value) if FIELDS_BY_NAME[name].kind == "html" else str(value)


@register_blueprint.get("/algoritmes/<slug>/versies/<int:number>")
def version_changes(slug: str, number: int):
    """What changed in one published version compared with the one before it."""
    algorithm = queries.get_published(db.session, slug) or abort(404)
    history = queries.published_history(db.session, algorithm)
    position = next((i for i, v in enumerate(history) if v.number == number), None)
    if position is None:
        abort(404)
    version = history[position]
    previous = history[position + 1] if position + 1 < len(history) else None
    changes = []
    for name in version.changed_fields:
        old = _field_text(previous.content, name) if previous else ""
        new = _field_text(version.content, name)
        words = list(difflib.ndiff(old.split(), new.split()))
        changes.append({"field": name, "old": old, "new": new, "diff": words})
    return render_template(
        "register/version.html",
        algorithm=algorithm,
        version=version,
        previous=previous,
        changes=changes,
    )


@register_blueprint.get("/algoritmes.json")
def export_json():
    records = [exchange.full_record(a) for a in queries.all_published(db.session)]
    body = json.dumps(records, ensure_ascii=False, indent=1)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'inline; filename="algoritmes.json"'},
    )


@register_blueprint.get("/algoritmes.csv")
def export_csv():
    records = [exchange.full_record(a) for a in queries.all_published(db.session)]
    # A byte-order mark lets spreadsheet programs read the UTF-8 (Financiën) correctly.
    body = "\ufeff" + exchange.to_csv(records, exchange.full_columns())
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="algoritmes.csv"'},
    )


@register_blueprint.get("/feed.atom")
def atom_feed():
    versions = queries.recent_versions(db.session, limit=50)
    xml = feed.build(
        versions,
        feed_url=absolute_url("register.atom_feed"),
        site_url=absolute_url("register.home"),
        title=_("Algorithm register of the municipality of Utrecht: changes"),
        entry_url=lambda slug, number: absolute_url(
            "register.version_changes", slug=slug, number=number
        ),
    )
    return Response(xml, mimetype="application/atom+xml")
