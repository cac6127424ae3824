"""Hostile input: 60 XSS payloads through every free-text field (API, web forms, import),
then every page, the feed, the exports, the API and the PDF records are checked; and a
marker written into drafts and internal answers must not reach anything public."""

import json
import uuid

import pytest

from assessments.bank import current_bank
from register.standard import FIELDS
from tests.assessments.helpers import create, fill_everything
from tests.assessments.test_review import LOW_RISK, decide
from tests.conftest import csrf_token_from
from tests.hostile import PAYLOADS, crawl_public, feed_problems, live_markup, pdf_texts

BANK = current_bank()
TEXT_QUESTIONS = [q for q in BANK.questions if q.type in ("text", "textarea")]
TEXT_FIELDS = [
    f for f in FIELDS if f.kind in ("text", "html") and f.name not in ("organization", "source_id")
]


def payload(index: int, limit: int | None = None) -> str:
    text = PAYLOADS[index % len(PAYLOADS)]
    return text[:limit] if limit else text


def hostile_assessment(api, offset: int) -> dict:
    """An assessment with a payload in every register text field and every text answer,
    submitted and approved by a reviewer whose texts are payloads too."""
    # "Toets" first: a field whose whole value is a script sanitises to empty (422, required).
    fields = {
        f.name: ("Toets " + payload(offset + i))[: f.max_length] for i, f in enumerate(TEXT_FIELDS)
    }
    script_link = [{"title": "x", "link": "javascript:alert(1)"}]
    refused = api("submitter").post(
        "/api/v1/assessments",
        json={"algorithm": {"name": "x", "lawful_basis_grouping": script_link}},
    )
    assert refused.status_code == 422
    fields["lawful_basis_grouping"] = [
        {"title": ("Wet " + payload(offset + 7))[:100], "link": "https://wetten.overheid.nl/"}
    ]
    assessment = create(api, **fields)
    fill_everything(api, assessment["id"])
    answers = {q.id: payload(offset + 20 + i, q.length_limit) for i, q in enumerate(TEXT_QUESTIONS)}
    url = f"/api/v1/assessments/{assessment['id']}"
    saved = api("submitter").put(f"{url}/answers", json={"answers": {**answers, **LOW_RISK}})
    assert saved.status_code == 200, saved.json
    status = api("submitter").put(
        f"{url}/answers",
        json={
            "algorithm": {
                "status": "In gebruik",
                "publication_category": "Impactvolle algoritmes",
                "contact_email": "algoritmes@utrecht.nl",
                "objection_procedure": "Bezwaar: " + payload(offset + 3),
            }
        },
    )
    assert status.status_code == 200, status.json
    submitted = api("submitter").post(f"{url}/submit")
    assert submitted.status_code == 200, submitted.json
    decided = decide(
        api,
        "reviewer",
        assessment["id"],
        "approve_with_conditions",
        comment=payload(offset + 50),
        remaining_risks=payload(offset + 51),
        risk_accepted_by=payload(offset + 52, 200),
        conditions=[
            {"text": payload(offset + 53), "owner": payload(offset + 54), "deadline": "2027-06-30"}
        ],
    )
    assert decided.status_code == 201, decided.json
    assert decided.json["assessment"]["record_pending"] is False  # rendering fetched nothing
    return decided.json["assessment"]


@pytest.fixture
def hostile_register(api, board, client, users, login_as, tmp_path, app):
    first = hostile_assessment(api, 0)
    second = hostile_assessment(api, 30)

    # Import: the national format with payloads in its text fields.
    rows = []
    for n in range(3):
        row = {f.name: payload(n * 11 + i, f.max_length) for i, f in enumerate(TEXT_FIELDS)}
        row.update(
            name=f"Import {n} {payload(n, 60)}"[:100],
            status="In gebruik",
            publication_category="Overige algoritmes",
            category=["Sociale zekerheid"],
            lang="nld",
            standard_version="1.0",
            contact_email="algoritmes@utrecht.nl",
            source_id=f"xss-{n}",
        )
        rows.append(row)
    import_file = tmp_path / "hostile.json"
    import_file.write_text(json.dumps(rows), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["register", "import", str(import_file)])
    assert result.exit_code == 0, result.output

    # Web forms: a new assessment, a section answer and a comment typed in the browser.
    login_as(users["submitter"])
    page = client.get("/intern/toetsingen/nieuw")
    created = client.post(
        "/intern/toetsingen/nieuw",
        data={
            "csrf_token": csrf_token_from(page),
            "name": ("Web " + payload(0))[:100],
            "description_short": payload(1),
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[-3000:]
    web_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    section = client.get(f"/intern/toetsingen/{web_id}/core")
    client.post(
        f"/intern/toetsingen/{web_id}/core",
        data={
            "csrf_token": csrf_token_from(section),
            "q-core.purpose": payload(2),
            "q-core.explain_to_residents": payload(31),
            "action": "save",
        },
    )
    return {"approved": [first, second], "web": web_id}


def test_no_payload_comes_alive_anywhere(hostile_register, client, users, login_as, api):
    pages = crawl_public(client, ["/", "/algoritmes", "/algoritmes?q=alert", "/over"])
    html_pages = {p: r for p, r in pages.items() if r.mimetype == "text/html"}
    assert len(html_pages) > 10
    for path, response in html_pages.items():
        assert response.status_code < 500, path
        assert live_markup(response.get_data(as_text=True)) == [], path

    feed = client.get("/feed.atom")
    assert feed_problems(feed.data) == []
    for export in ("/algoritmes.json", "/api/v1/algorithms?per_page=100"):
        response = client.get(export)
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        json.loads(response.data)
    csv = client.get("/algoritmes.csv")
    assert csv.mimetype == "text/csv"

    for role in ("submitter", "reviewer", "admin"):
        login_as(users[role])
        internal = ["/intern/", "/intern/toetsingen", "/intern/beoordelen", "/intern/beheer/audit"]
        for assessment in hostile_register["approved"]:
            internal += [
                f"/intern/toetsingen/{assessment['id']}",
                f"/intern/toetsingen/{assessment['id']}/beoordeling",
                f"/intern/toetsingen/{assessment['id']}/core",
                f"/intern/toetsingen/{assessment['id']}/algoritme",
            ]
        internal.append(f"/intern/toetsingen/{hostile_register['web']}/core")
        for path in internal:
            response = client.get(path)
            # A role may be refused a page (403/404), but a page never breaks.
            assert response.status_code in (200, 403, 404), (role, path, response.status_code)
            if response.status_code == 200:
                assert live_markup(response.get_data(as_text=True)) == [], (role, path)

    # The PDF records show the payloads as text and carry them as data, never as markup.
    for assessment in hostile_register["approved"]:
        slug = assessment["register_slug"]
        _public_text, public_data = pdf_texts(client.get(f"/algoritmes/{slug}/record.pdf").data)
        internal = api("submitter").get(f"/api/v1/assessments/{assessment['id']}/record.pdf")
        internal_text, internal_data = pdf_texts(internal.data)
        assert "alert(" in internal_text
        assert internal_data["reviews"][0]["comment"] in PAYLOADS
        assert public_data["algorithm"]["name"] == assessment["algorithm"]["name"]


def test_drafts_and_internal_answers_never_leak(api, board, client, users, login_as):
    marker = f"LEKTEST{uuid.uuid4().hex[:12]}"
    # A draft with the marker everywhere.
    draft = create(api, description_short=f"Concept {marker}")
    api("submitter").put(
        f"/api/v1/assessments/{draft['id']}/answers",
        json={"answers": {"core.purpose": marker, "core.explain_to_residents": marker}},
    )
    # An approved assessment with the marker only in answers the bank keeps internal,
    # in a comment and in the reviewer's internal texts.
    approved = create(api)
    fill_everything(api, approved["id"])
    internal_only = [q.id for q in TEXT_QUESTIONS if not q.public]
    url = f"/api/v1/assessments/{approved['id']}"
    sources = [{**LOW_RISK["provenance.sources"][0], "dataset": f"Bron {marker}"}]
    api("submitter").put(
        f"{url}/answers",
        json={
            "answers": {
                **LOW_RISK,
                **dict.fromkeys(internal_only, marker),
                "provenance.sources": sources,
            }
        },
    )
    assert api("submitter").post(f"{url}/submit").status_code == 200
    login_as(users["reviewer"])
    review_page = client.get(f"/intern/toetsingen/{approved['id']}/beoordeling")
    client.post(
        f"/intern/toetsingen/{approved['id']}/opmerkingen",
        data={"csrf_token": csrf_token_from(review_page), "body": f"Vraag {marker}"},
    )
    client.post("/intern/uitloggen", data={"csrf_token": csrf_token_from(review_page)})
    decided = decide(
        api,
        "reviewer",
        approved["id"],
        comment=marker,
        remaining_risks=marker,
        risk_accepted_by=marker,
    )
    assert decided.json["assessment"]["status"] == "approved"
    slug = decided.json["assessment"]["register_slug"]

    anonymous = client.application.test_client()
    pages = crawl_public(
        anonymous,
        [
            "/",
            "/algoritmes",
            "/algoritmes?q=Concept",
            "/algoritmes?q=Bron",
            "/api/v1/algorithms?q=Bron",
            f"/algoritmes/{slug}",
            "/feed.atom",
            "/algoritmes.json",
            "/algoritmes.csv",
            "/api/v1/algorithms?per_page=100",
            f"/api/v1/algorithms/{slug}",
            "/api/openapi.json",
            f"/algoritmes/{slug}/record.pdf",
        ],
    )
    assert f"/algoritmes/{slug}/record.pdf" in pages
    for path, response in pages.items():
        body = response.data
        if response.mimetype == "application/pdf":
            text, data = pdf_texts(body)
            body = (text + json.dumps(data, ensure_ascii=False)).encode()
        assert marker.encode() not in body, path

    # The marker is really in the internal record: the check above could have failed.
    internal = api("submitter").get(f"{url}/record.pdf")
    text, data = pdf_texts(internal.data)
    assert marker in json.dumps(data, ensure_ascii=False)
