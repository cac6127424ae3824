"""Public register pages and open-data exports. No login, published content only."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from portal import page_cache
from portal.db import utcnow
from portal.extensions import db
from portal.urls import absolute_url
from register import aftercare, exchange, feed, queries
from register import changes as version_diff
from register.quality.checks import register_completeness

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
            db.session,
            queries.RegisterQuery(sort="recent", per_page=6),
            with_facets=False,
            cards=True,
        ).items,
    )


@register_blueprint.get("/algoritmes")
def index():
    query = _register_query()
    result = queries.search_register(db.session, query, cards=True)
    if query.page > result.pages and result.total:
        abort(404)
    return render_template(
        "register/index.html", query=query, result=result, canonical_path=_canonical_path(query)
    )


def _canonical_path(query: queries.RegisterQuery) -> str:
    """The page's URL from its parsed query: the cache key and the page's own links."""
    args = query.to_args()
    if query.per_page != current_app.config["REGISTER_PAGE_SIZE"]:
        args["per_page"] = query.per_page
    return url_for("register.index", **args)


page_cache.canonical_query("register.index", lambda: _canonical_path(_register_query()))


@register_blueprint.get("/algoritmes/<slug>")
def entry(slug: str):
    algorithm = queries.get_published(db.session, slug) or abort(404)
    # The history table shows numbers, dates and summaries, not each version's content.
    history = queries.published_history(db.session, algorithm, with_content=False)
    return render_template(
        "register/entry.html",
        algorithm=algorithm,
        entry=algorithm.content,
        history=history,
        suspension=aftercare.current_suspension(db.session, algorithm.id),
        incidents=aftercare.public_incidents(db.session, algorithm.id),
        declared_changes=aftercare.public_changes(db.session, algorithm.id),
        today=utcnow().date(),
    )


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
    changes = version_diff.version_changes(version, previous)
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


def _feed(versions, feed_url: str, site_url: str, title: str) -> Response:
    xml = feed.build(
        versions,
        feed_url=feed_url,
        site_url=site_url,
        title=title,
        entry_url=lambda slug, number: absolute_url(
            "register.version_changes", slug=slug, number=number
        ),
    )
    return Response(xml, mimetype="application/atom+xml")


@register_blueprint.get("/feed.atom")
def atom_feed():
    return _feed(
        queries.recent_versions(db.session, limit=50),
        absolute_url("register.atom_feed"),
        absolute_url("register.home"),
        _("Algorithm register of the municipality of Utrecht: changes"),
    )


@register_blueprint.get("/algoritmes/<slug>/feed.atom")
def entry_feed(slug: str):
    algorithm = queries.get_published(db.session, slug) or abort(404)
    return _feed(
        queries.versions_of(db.session, algorithm_id=algorithm.id),
        absolute_url("register.entry_feed", slug=slug),
        absolute_url("register.entry", slug=slug),
        _("Changes to %(name)s", name=algorithm.name),
    )


@register_blueprint.get("/afdelingen/<path:department>/feed.atom")
def department_feed(department: str):
    versions = queries.versions_of(db.session, department=department)
    if not versions:
        abort(404)
    return _feed(
        versions,
        absolute_url("register.department_feed", department=department),
        absolute_url("register.index", department=department),
        _("Changes in the department %(name)s", name=department),
    )


@register_blueprint.get("/themas/<path:theme>/feed.atom")
def theme_feed(theme: str):
    versions = queries.versions_of(db.session, theme=theme)
    if not versions:
        abort(404)
    return _feed(
        versions,
        absolute_url("register.theme_feed", theme=theme),
        absolute_url("register.index", theme=theme),
        _("Changes in the theme %(name)s", name=theme),
    )
