"""Records over HTTP: the stored bytes as a response, and the public download routes.

The register's entry page links here; it reads the hash from its own entry (written at
publication) and never loads these bytes.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from assessments.models import RECORD_PUBLIC, Record
from assessments.records.store import public_records
from assessments.schedule import REASSESSMENT_MONTHS
from portal.extensions import db
from portal.views import prose_page
from register import queries

public_records_blueprint = Blueprint("records", __name__)


def record_response(
    record: Record, filename: str, *, public: bool = False, immutable: bool = False
):
    """The stored bytes, unchanged, with their hash as ETag (conditional requests get 304)."""
    response = Response(record.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Record-SHA256"] = record.sha256
    response.set_etag(record.sha256)
    if public:
        response.cache_control.public = True
        response.cache_control.max_age = 31_536_000 if immutable else 300
    else:
        response.cache_control.private = True
    return response.make_conditional(request)


@public_records_blueprint.get("/risiconiveaus")
def risk_levels():
    """What each risk level means for residents; the figures come from the rules themselves."""
    return prose_page("risk-levels", months=REASSESSMENT_MONTHS)


@public_records_blueprint.get("/algoritmes/<slug>/record.pdf")
def latest_record(slug: str):
    """The latest public record; its hash is the one on the entry page."""
    algorithm = queries.get_published(db.session, slug) or abort(404)
    found = public_records(db.session, algorithm)
    if not found:
        abort(404)
    return record_response(found[0], f"uthiek-{slug}.pdf", public=True)


@public_records_blueprint.get("/algoritmes/<slug>/records/<int:record_id>.pdf")
def record_by_id(slug: str, record_id: int):
    """Any earlier public record of this entry; these bytes never change."""
    algorithm = queries.get_published(db.session, slug) or abort(404)
    record = db.session.get(Record, record_id)
    if record is None or record.algorithm_id != algorithm.id or record.kind != RECORD_PUBLIC:
        abort(404)
    return record_response(record, f"uthiek-{slug}-{record_id}.pdf", public=True, immutable=True)
