"""The register learns about a record from what publication wrote into the entry: the entry
page shows the hash and links the file without reading the assessment records."""

import datetime as dt

from sqlalchemy import event

from assessments.models import RECORD_PUBLIC, Record
from portal.extensions import db
from register import operations
from register.models import Algorithm
from tests.assessments.test_review import LOW_RISK, decide, submitted


def test_publication_writes_the_record_into_the_entry_and_the_page_reads_only_that(
    api, board, client
):
    assessment = submitted(api, LOW_RISK)
    body = decide(api, "reviewer", assessment["id"]).json
    slug = body["assessment"]["register_slug"]
    algorithm = db.session.scalar(db.select(Algorithm).where(Algorithm.slug == slug))
    record = db.session.scalar(
        db.select(Record).where(Record.algorithm_id == algorithm.id, Record.kind == RECORD_PUBLIC)
    )
    assert algorithm.record_id == record.id
    assert (
        algorithm.record_sha256
        == record.sha256
        == body["assessment"]["versions"][0]["records"]["public"]["sha256"]
    )
    assert algorithm.record_size == record.size
    assert algorithm.record_url.endswith(f"/algoritmes/{slug}/records/{record.id}.pdf")
    assert algorithm.record_version == 1
    assert algorithm.record_decided_at is not None

    statements = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        page = client.get(f"/algoritmes/{slug}")
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert record.sha256 in html
    assert f"/algoritmes/{slug}/record.pdf" in html
    assert statements, "the page read the entry from the database"
    assert not [s for s in statements if "assessment_records" in s or "assessment_versions" in s]


def test_a_new_record_moves_the_previous_one_to_the_earlier_records():
    algorithm = Algorithm(slug="x", earlier_records=[])
    first = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
    operations.attach_record(
        algorithm,
        record_id=3,
        sha256="a" * 64,
        size=1000,
        url="https://example.test/algoritmes/x/records/3.pdf",
        version=1,
        decided_at=first,
        reassessment_due=dt.date(2027, 1, 5),
        risk_level=1,
    )
    assert algorithm.earlier_record_links() == []
    operations.attach_record(
        algorithm,
        record_id=7,
        sha256="b" * 64,
        size=2000,
        url="https://example.test/algoritmes/x/records/7.pdf",
        version=2,
        decided_at=first + dt.timedelta(days=300),
        reassessment_due=dt.date(2028, 1, 5),
        risk_level=2,
    )
    assert (algorithm.record_id, algorithm.record_sha256, algorithm.risk_level) == (7, "b" * 64, 2)
    [earlier] = algorithm.earlier_record_links()
    assert (earlier.id, earlier.sha256, earlier.version, earlier.decided_at) == (
        3,
        "a" * 64,
        1,
        first,
    )
