"""Hostile requests get a clear 400/404/422 in the user's language, never a 500, and
nothing already saved changes: NUL and text that is not UTF-8 at every input, numbers too
large for the database or written in other scripts' digits, JSON nested beyond reason, and
register fields of the wrong type."""

import json

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from assessments.models import Assessment
from portal.auth import operations as accounts
from portal.extensions import db
from portal.input_guard import MAX_JSON_DEPTH, number_parameter_problem, parse_int
from register import exchange
from register.queries import MAX_PAGE, RegisterQuery
from register.standard import clean_entry, validate_entry
from tests.conftest import csrf_token_from, entry_data

DUTCH_BAD_TEXT = "teken dat we niet kunnen verwerken"
DUTCH_BAD_NUMBER = "niet geschreven met de cijfers 0 tot en met 9"
HUGE = "99999999999999999999"  # beyond 2**63 - 1


@pytest.fixture
def token(users):
    def _token(role="submitter"):
        secret = accounts.issue_token(db.session, None, users[role], "hostile")[1]
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return _token


def assessment_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Assessment))


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"]
    assert error["message"]
    return error


# ---------------------------------------------------------------- text: NUL and surrogates


@pytest.mark.parametrize("value", ["%ED%A0%80", "a%00b", "%FF", "%C3"])
def test_query_strings_with_unreadable_text_are_refused(client, publish_entry, value):
    publish_entry(slug="parkeervergunning")
    page = client.get(f"/algoritmes?q={value}")
    assert page.status_code == 400
    assert DUTCH_BAD_TEXT in page.get_data(as_text=True)
    error = assert_json_error(client.get(f"/api/v1/algorithms?status={value}"), 400)
    assert "status" in error["fields"]
    # A filter name can be the bad part too.
    assert client.get(f"/algoritmes?{value}=1").status_code == 400


def test_the_message_follows_the_language(client):
    client.set_cookie("taal", "en", domain="register.test")
    page = client.get("/algoritmes?q=%00").get_data(as_text=True)
    assert "a character we cannot process" in page
    api = client.get("/api/v1/algorithms?q=%00&lang=en").json
    assert "cannot process" in api["error"]["message"]


@pytest.mark.parametrize(
    "raw_path",
    [
        "/algoritmes/\xed\xa0\x80",  # a lone surrogate as a server hands it over (latin-1)
        "/algoritmes/\xff",
        "/api/v1/algorithms/\xed\xa0\x80",
    ],
)
def test_paths_that_are_not_utf8_are_refused(client, raw_path):
    response = client.get("/", environ_overrides={"PATH_INFO": raw_path})
    assert response.status_code == 400
    if raw_path.startswith("/api/"):
        assert response.json["error"]["fields"] == {
            "path": "bevat een teken dat we niet kunnen verwerken"
        }


@pytest.mark.parametrize("url", ["/algoritmes/a%00b", "/api/v1/algorithms/a%00b"])
def test_nul_in_a_path_segment_is_refused(client, publish_entry, url):
    publish_entry(slug="a")
    assert client.get(url).status_code == 400


def test_json_bodies_with_surrogates_or_nul_are_refused_and_change_nothing(client, token):
    headers = {**token(), "Content-Type": "application/json"}
    created = client.post(
        "/api/v1/assessments", headers=headers, json={"algorithm": {"name": "Goede naam"}}
    )
    assert created.status_code == 201
    url = f"/api/v1/assessments/{created.json['id']}"
    before = client.get(url, headers=headers).json

    for body in (
        '{"algorithm": {"name": "\\ud800"}}',
        '{"algorithm": {"name": "a\\u0000b"}}',
        '{"algorithm": {"\\udfff": "x"}}',
    ):
        error = assert_json_error(
            client.post("/api/v1/assessments", headers=headers, data=body), 422
        )
        assert error["fields"]
        assert "JSON" in error["message"]
    error = assert_json_error(
        client.put(f"{url}/answers", headers=headers, data='{"algorithm": {"goal": "\\ud800x"}}'),
        422,
    )
    assert error["fields"] == {"algorithm.goal": "bevat een teken dat we niet kunnen verwerken"}
    # Raw bytes that are not UTF-8 (here the surrogate's own encoding) are not JSON text.
    raw = b'{"algorithm": {"name": "\xed\xa0\x80"}}'
    assert_json_error(client.post("/api/v1/assessments", headers=headers, data=raw), 400)

    assert assessment_count() == 1
    assert client.get(url, headers=headers).json == before


def test_form_fields_with_unreadable_text_are_refused_and_nothing_is_made(client, users, login_as):
    login_as(users["submitter"])
    token = csrf_token_from(client.get("/intern/toetsingen/nieuw"))
    for body in (
        f"csrf_token={token}&name=%ED%A0%80",
        f"csrf_token={token}&name=Toets%00",
        # A raw byte that is not UTF-8: Werkzeug would drop the whole form silently.
        f"csrf_token={token}&name=Toets".encode() + b"\xff",
    ):
        response = client.post(
            "/intern/toetsingen/nieuw",
            data=body,
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 400
        assert DUTCH_BAD_TEXT in response.get_data(as_text=True)
    assert assessment_count() == 0
    # The same form with readable text still works.
    good = client.post("/intern/toetsingen/nieuw", data={"csrf_token": token, "name": "Toets"})
    assert good.status_code in (302, 303)
    assert assessment_count() == 1


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "url",
    [
        f"/algoritmes/parkeervergunning/records/{HUGE}.pdf",
        f"/algoritmes/parkeervergunning/versies/{HUGE}",
        "/algoritmes/parkeervergunning/versies/%D9%A1",  # Arabic-Indic one
        "/algoritmes/parkeervergunning/versies/%EF%BC%91",  # full-width one
    ],
)
def test_ids_in_urls_beyond_64_bits_or_in_other_digits_are_not_found(client, publish_entry, url):
    publish_entry(slug="parkeervergunning")
    assert client.get("/algoritmes/parkeervergunning/versies/1").status_code == 200
    assert client.get(url).status_code == 404


def test_internal_ids_beyond_64_bits_are_not_found(client, users, login_as, token):
    login_as(users["admin"])
    assert client.get(f"/intern/beheer/gebruikers/{HUGE}").status_code == 404
    assert client.get(f"/intern/toetsingen/{HUGE}").status_code == 404
    # Below 2**63 but beyond PostgreSQL's INTEGER: still a plain 404.
    assert client.get("/intern/beheer/gebruikers/9223372036854775807").status_code == 404
    assert client.get("/intern/beheer/gebruikers/2147483648").status_code == 404
    assert client.get("/intern/beheer/gebruikers/2147483647").status_code == 404
    assert_json_error(client.get("/api/v1/assessments/2147483648", headers=token("admin")), 404)
    assert_json_error(client.get(f"/api/v1/assessments/{HUGE}", headers=token("admin")), 404)


@pytest.mark.parametrize(
    "query",
    [
        f"page={HUGE}",
        "page=%D9%A3",  # ٣
        "risk_level=%C2%B2",  # ²
        "per_page=%EF%BC%95",  # a full-width five
        f"risk_level=-{HUGE}",
    ],
)
def test_list_numbers_that_would_be_misread_are_refused(client, publish_entry, query):
    publish_entry(slug="parkeervergunning")
    page = client.get(f"/algoritmes?{query}")
    assert page.status_code == 400
    assert DUTCH_BAD_NUMBER in page.get_data(as_text=True)
    name = query.split("=")[0]
    assert assert_json_error(client.get(f"/api/v1/algorithms?{query}"), 400)["fields"] == {
        name: "geen heel getal met de cijfers 0 tot en met 9, of te groot"
    }


@pytest.mark.parametrize("value", ["1e308", "nan", "inf", "1.5", "abc", "", "0x10"])
def test_words_and_floats_in_list_numbers_fall_back_to_the_default(client, publish_entry, value):
    publish_entry(slug="parkeervergunning")
    # The site falls back to page 1; the API keeps to its description (integers) and names
    # each parameter that is not one (tests/test_api_contract.py).
    listing = client.get(f"/api/v1/algorithms?page={value}&per_page={value}&risk_level={value}")
    assert assert_json_error(listing, 422)["fields"].keys() >= {"page", "per_page"}
    assert client.get(f"/algoritmes?page={value}").status_code == 200


def test_register_query_reads_only_ascii_digits_and_stays_in_range():
    def parse(**args):
        return RegisterQuery.from_args(MultiDict(args), default_per_page=20, max_per_page=100)

    # Without the guard in front (a caller from Python), nonsense is still harmless.
    assert parse(page="٣").page == 1
    assert parse(page="9" * 40).page == MAX_PAGE
    assert parse(page="9" * 5000).page == MAX_PAGE  # int() refuses this many digits
    assert parse(page="-" + "9" * 40).page == 1
    assert parse(per_page="1e308").per_page == 20
    assert parse(per_page=" 7 ").per_page == 7
    assert parse(risk_level="²").risk_level == []
    assert parse(risk_level="٣").risk_level == []
    query = RegisterQuery.from_args(
        MultiDict([("risk_level", "2"), ("risk_level", "2"), ("risk_level", "4")]),
        default_per_page=20,
        max_per_page=100,
    )
    assert query.risk_level == [2, 4]


def test_audit_log_pages_never_overflow(client, users, login_as):
    login_as(users["admin"])
    # Below 2**63, but (page - 1) * page size is not: the OFFSET overflowed before.
    assert client.get("/intern/beheer/audit?page=1000000000000000000").status_code == 200
    assert client.get(f"/intern/beheer/audit?page={HUGE}").status_code == 400
    assert client.get("/intern/beheer/audit?page=%D9%A3").status_code == 400
    assert client.get("/intern/beheer/audit?page=abc").status_code == 200
    first_page = client.get("/intern/beheer/audit?page=-3").get_data(as_text=True)
    assert "Bea Beheer</a> aangemaakt." in first_page  # the newest events: page 1


def test_form_ids_beyond_64_bits_are_refused(client, users, login_as):
    login_as(users["submitter"])
    token = csrf_token_from(client.get("/intern/toetsingen/nieuw"))
    response = client.post(
        "/intern/toetsingen/nieuw",
        data={"csrf_token": token, "name": "Toets", "parent_id": HUGE},
    )
    assert response.status_code == 400
    assert DUTCH_BAD_NUMBER in response.get_data(as_text=True)
    assert assessment_count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"algorithm": {"name": NaN}}', "algorithm.name"),
        ('{"algorithm": {"name": Infinity}}', "algorithm.name"),
        ('{"algorithm": {"name": -Infinity}}', "algorithm.name"),
        ('{"algorithm": {"name": 1e400}}', "algorithm.name"),
        ('{"algorithm": {"name": "x"}, "answers": {"a": [%s]}}' % ("9" * 30), "answers.a[0]"),
    ],
)
def test_json_numbers_that_cannot_be_stored_are_refused(client, token, body, field):
    error = assert_json_error(
        client.post(
            "/api/v1/assessments",
            headers={**token(), "Content-Type": "application/json"},
            data=body,
        ),
        422,
    )
    assert field in error["fields"]
    assert assessment_count() == 0


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 2, 3_000, 100_000])
@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_beyond_reason_is_refused(client, token, depth, opening):
    closing = "]" if opening == "[" else "}"
    body = opening * depth + "1" + closing * depth
    headers = {**token(), "Content-Type": "application/json"}
    error = assert_json_error(client.post("/api/v1/assessments", headers=headers, data=body), 400)
    assert "lagen" in error["message"]
    # Anonymous callers get the same answer; no view ever sees the body.
    anonymous = client.post(
        "/api/v1/assessments", headers={"Content-Type": "application/json"}, data=body
    )
    assert anonymous.status_code == 400
    assert assessment_count() == 0


def test_json_of_ordinary_depth_still_works(client, token):
    headers = {**token(), "Content-Type": "application/json"}
    body = {"algorithm": {"name": "Diep genoeg", "lawful_basis_grouping": [{"title": "Wet"}]}}
    assert client.post(
        "/api/v1/assessments", headers=headers, data=json.dumps(body)
    ).status_code in (
        201,
        422,
    )


# ---------------------------------------------------------------- register fields of the wrong type


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", 5),
        ("category", True),
        ("category", {"Verkeer": 1}),
        ("category", [{"a": 1}]),
        ("category", [["Verkeer"]]),
        ("lawful_basis_grouping", 5),
        ("lawful_basis_grouping", "Wegenverkeerswet"),
        ("lawful_basis_grouping", {"title": "Wet", "link": "https://wetten.overheid.nl/"}),
        ("lawful_basis_grouping", [5]),
        ("lawful_basis_grouping", [None]),
        ("lawful_basis_grouping", [{"title": {"a": 1}, "link": "https://wetten.overheid.nl/"}]),
        ("lawful_basis_grouping", [{"title": "Wet", "link": ["https://x.nl"]}]),
        ("name", ["Parkeren"]),
        ("name", {"nl": "Parkeren"}),
        ("name", float("nan")),
        ("name", False),
        ("goal", ["<p>doel</p>"]),
    ],
)
def test_wrong_types_become_field_errors(field, value):
    entry, _ignored = clean_entry({**entry_data(), field: value})
    errors = validate_entry(entry)
    assert any(key == field or key.startswith(f"{field}[") for key in errors), errors
    # What could not be read is left out, never stored as the text of a Python object.
    stored = json.dumps(entry)
    assert not [m for m in ("{'", "['", '"nan"', '"True"', '"False"', '"5"') if m in stored]


def test_validate_entry_reports_wrong_types_in_an_uncleaned_entry():
    errors = validate_entry(
        {**entry_data(), "category": 5, "lawful_basis_grouping": ["x"], "name": ["y"]}
    )
    assert set(errors) >= {"category", "lawful_basis_grouping[0]", "name"}


def test_numbers_in_text_fields_are_still_read():
    entry, _ignored = clean_entry({**entry_data(), "source_id": 12345, "provider": 2.5})
    assert (entry["source_id"], entry["provider"]) == ("12345", "2.5")
    assert validate_entry(entry) == {}


def test_the_api_answers_wrong_register_types_with_field_errors(client, token):
    headers = token()
    for algorithm, field in (
        ({"name": "x", "category": 5}, "algorithm.category"),
        ({"name": "x", "lawful_basis_grouping": 7}, "algorithm.lawful_basis_grouping"),
        ({"name": {"x": 1}}, "algorithm.name"),
    ):
        response = client.post(
            "/api/v1/assessments", headers=headers, json={"algorithm": algorithm}
        )
        error = assert_json_error(response, 422)
        # The create call names register fields bare, the answers call under "algorithm.".
        assert {field, field.removeprefix("algorithm.")} & set(error["fields"]), error
    assert assessment_count() == 0


def test_the_importer_reports_rows_of_the_wrong_type(app):
    good = entry_data(name="Goed")
    rows = [
        ("#1", {**good, "name": "Eerste", "category": 5}),
        ("#2", {**good, "name": "Tweede", "lawful_basis_grouping": 7}),
        ("#3", {**good, "name": "Derde"}),
    ]
    report = exchange.import_rows(
        db.session, rows, organization="Gemeente Utrecht", contact_email="a@utrecht.nl"
    )
    assert [label for label, _errors in report.rejected] == ["#1", "#2"]
    assert "category" in report.rejected[0][1]
    assert len(report.imported) == 1


# ---------------------------------------------------------------- the guard's own rules


def test_parse_int():
    assert parse_int("12", 1, 1, 100) == 12
    assert parse_int("+12", 1, 1, 100) == 12
    assert parse_int("٣", 1, 1, 100) == 1
    assert parse_int("²", 1, 1, 100) == 1
    assert parse_int("1e3", 1, 1, 100) == 1
    assert parse_int(None, 5, 1, 100) == 5
    assert parse_int(True, 5, 1, 100) == 5
    assert parse_int("0" * 50 + "7", 1, 1, 100) == 7


@pytest.mark.parametrize(
    ("name", "value", "refused"),
    [
        ("page", "٣", True),
        ("page", "²", True),
        ("page", HUGE, True),
        ("page", "9223372036854775807", False),
        ("page", "9223372036854775808", True),
        ("page", "-9223372036854775808", False),
        ("page", "abc", False),  # words are the view's business (first page)
        ("parent_id", HUGE, True),
        ("parent_id", "2147483648", True),  # ids are 32-bit INTEGER columns on PostgreSQL
        ("parent_id", "2147483647", False),
        ("versie", "4294967296", True),
        ("page", "4294967296", False),
        ("q-core.x-rows", "٣", True),
        ("q", HUGE, False),  # free text may be any digits
        ("question_id", "core.risk_profiling", False),
    ],
)
def test_number_parameters(name, value, refused):
    assert number_parameter_problem(name, value) is refused
