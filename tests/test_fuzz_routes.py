"""A fuzzing pass over every route: no request, however hostile, gets a server error.

Every rule in app.url_map, with each method it allows, is called as anonymous and as every
role (session for the site, API token for /api), with generated path parameters (huge
numbers, other scripts' digits, bytes that are not UTF-8, NUL), query strings and form or
JSON bodies (surrogates, NaN, numbers beyond 64 bits, nesting bombs, wrong types for the
register fields and answers). Every answer must be below 500 and well-formed: JSON with
the `{"error": {"code", "message"}}` shape on the API, a whole HTML page on the site, a
Location on a redirect. Form posts without a CSRF token must get 400.

Hypothesis runs derandomized (the same requests on every run, in CI too); FUZZ_EXAMPLES
sets how many walks over all routes each role gets.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from assessments import operations as assessment_operations
from assessments.bank import current_bank
from portal.auth import forms as auth_forms
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.extensions import csrf, db
from register.standard import FIELD_NAMES
from tests.assessments.helpers import fill_everything

ROLES = ("anonymous", "submitter", "other_submitter", "reviewer", "privacy_officer", "admin")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
HUGE = 10**20
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# ---------------------------------------------------------------- what to send

NASTY = [
    "",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\ufffd",
    "٣",
    "²",
    "\uff11\uff12",  # full-width digits
    "NaN",
    "Infinity",
    "1e308",
    "-1",
    "0",
    "1.5",
    str(HUGE),
    str(2**31),
    str(2**63),
    "-" + str(2**63 + 1),
    "%",
    "%zz",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "‮",
    "x" * 3000,
]
# Surrogates (Cs), controls (Cc) and digits of every script (Nd, No) on purpose.
odd_text = st.text(
    alphabet=st.characters(categories=("Cs", "Cc", "Nd", "No", "Zs", "Lo", "Ll")), max_size=12
)
text_values = st.one_of(st.sampled_from(NASTY), st.text(max_size=20), odd_text)
number_values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str), st.sampled_from(NASTY[6:21])
)


def as_bytes(value: str) -> bytes:
    # surrogatepass: a lone surrogate goes out as the (invalid) bytes a client could send.
    return value.encode("utf-8", "surrogatepass")


# Mostly values a real form could hold, so requests get past the guard into the views.
PLAUSIBLE = [
    "yes",
    "no",
    "unsure",
    "1",
    "2",
    "3",
    "Toets",
    "Verkeer",
    "In gebruik",
    "nl",
    "en",
    "approve",
    "approve_with_conditions",
    "changes_requested",
    "reject",
    "agree",
    "disagree",
    "2027-06-30",
    "2026-13",
    "https://www.utrecht.nl/",
    "data@utrecht.nl",
    "admin",
    "reviewer",
]
plausible = st.one_of(
    st.sampled_from(PLAUSIBLE),
    st.integers(min_value=-3, max_value=40).map(str),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz -", max_size=12),
).map(str.encode)
raw_values = st.one_of(
    plausible,
    plausible,
    plausible,
    text_values.map(as_bytes),
    number_values.map(as_bytes),
    st.binary(max_size=6),
)


def urlencode(pairs: list[tuple[bytes, bytes]]) -> str:
    return "&".join(
        f"{quote_from_bytes(k, safe='')}={quote_from_bytes(v, safe='')}" for k, v in pairs
    )


def _template_names() -> set[str]:
    names = set()
    for template in TEMPLATES.rglob("*.html"):
        names.update(re.findall(r'name="([a-z_][a-z0-9_.-]*)"', template.read_text()))
    return names


def _wtforms_names() -> set[str]:
    names = set()
    for form in vars(auth_forms).values():
        if isinstance(form, type):
            names.update(k for k, v in vars(form).items() if isinstance(v, UnboundField))
    return names


BANK = current_bank()
QUESTION_IDS = sorted(q.id for q in BANK.questions)
FORM_NAMES = sorted(
    _template_names()
    | _wtforms_names()
    | set(FIELD_NAMES)
    | {f"q-{q}" for q in QUESTION_IDS}
    | {f"q-{q}-rows" for q in QUESTION_IDS}
    | {f"advice-{s.id}" for s in BANK.sections}
    | {f"advice-{s.id}-motivation" for s in BANK.sections}
    | {"conditions-0-text", "conditions-0-owner", "conditions-0-deadline", "page", "next"}
)
QUERY_NAMES = sorted(
    {"q", "page", "per_page", "risk_level", "status", "theme", "department", "sort", "lang"}
    | {"publication_category", "kind", "versie", "next", "action", "actor", "object_type"}
)
parameter_names = st.one_of(
    st.sampled_from(FORM_NAMES), st.sampled_from(FORM_NAMES), text_values
).map(as_bytes)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    text_values,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(text_values, inner, max_size=3)
    ),
    max_leaves=8,
)
api_bodies = st.fixed_dictionaries(
    {},
    optional={
        "algorithm": st.one_of(
            json_values, st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=4)
        ),
        "answers": st.one_of(
            json_values, st.dictionaries(st.sampled_from(QUESTION_IDS), json_values, max_size=4)
        ),
        "decision": st.one_of(
            st.sampled_from(["approve", "approve_with_conditions", "changes_requested", "reject"]),
            json_values,
        ),
        "comment": json_values,
        "conditions": json_values,
        "section_advice": json_values,
        "remaining_risks": json_values,
        "proposed_reassessment": json_values,
    },
)
RAW_BODIES = [
    b"[" * 100_000,
    b'{"a":' * 50_000,
    b"{",
    b"\xff\xfe",
    b'{"algorithm": {"name": "\xed\xa0\x80"}}',
    b"null",
    b"[]",
    b'"x"',
    b'{"algorithm": {"name": NaN}}',
    b'{"answers": {"x": 1e999}}',
    b'{"algorithm": {"name": 1' + b"0" * 5000 + b"}}",
]
json_bodies = st.one_of(
    api_bodies.map(lambda body: json.dumps(body, allow_nan=True).encode()),
    json_values.map(lambda body: json.dumps(body, allow_nan=True).encode()),
    st.sampled_from(RAW_BODIES),
)


CONVERTER = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")


@st.composite
def path_for(draw, rule, world: dict) -> bytes:
    """The rule's path with every converter filled in, as raw bytes."""
    parts = []
    position = 0
    for match in CONVERTER.finditer(rule.rule):
        parts.append(rule.rule[position : match.start()].encode())
        position = match.end()
        kind = type(rule._converters[match.group(1)]).__name__
        if kind == "BoundedIntConverter":
            value = draw(
                st.one_of(
                    st.sampled_from(world["ids"]).map(str),
                    st.sampled_from(world["ids"]).map(str),
                    st.integers(min_value=0, max_value=2**70).map(str),
                    st.sampled_from(["٣", "²", "0" * 30 + "1", str(2**31), str(2**63)]),
                )
            )
            parts.append(as_bytes(value))
        else:
            parts.append(
                draw(st.one_of(st.sampled_from(world["words"]).map(str.encode), raw_values))
            )
    parts.append(rule.rule[position:].encode())
    return b"".join(parts)


@st.composite
def request_for(draw, rule, method: str, world: dict) -> dict:
    query = draw(
        st.lists(
            st.tuples(
                st.one_of(st.sampled_from(QUERY_NAMES).map(str.encode), parameter_names),
                raw_values,
            ),
            max_size=3,
        )
    )
    request = {
        "method": method,
        "path": draw(path_for(rule, world)),
        "query_string": urlencode(query),
        "headers": {},
    }
    if method in ("POST", "PUT"):
        if rule.rule.startswith("/api/"):
            request["data"] = draw(json_bodies)
            request["content_type"] = draw(
                st.sampled_from(["application/json", "application/json", "text/plain"])
            )
        else:
            pairs = draw(st.lists(st.tuples(parameter_names, raw_values), max_size=5))
            request["with_csrf"] = draw(st.booleans())
            request["form"] = pairs
    return request


# ---------------------------------------------------------------- the world it runs in


@pytest.fixture
def world(app, client, users, publish_entry):
    """A published entry, a draft and a submitted assessment, an API token per role."""
    entry = publish_entry(slug="parkeervergunning")
    draft = assessment_operations.create(db.session, users["submitter"], {"name": "Concept"})
    tokens = {
        role: accounts.issue_token(db.session, None, user, "fuzz") for role, user in users.items()
    }
    db.session.commit()

    def api(role):
        headers = {"Authorization": f"Bearer {tokens[role][1]}"}

        class Caller:
            def __getattr__(self, method):
                return lambda url, **kw: getattr(client, method)(url, headers=headers, **kw)

        return Caller()

    created = (
        api("submitter").post("/api/v1/assessments", json={"algorithm": {"name": "Ingediend"}}).json
    )
    fill_everything(api, created["id"])
    submitted = api("submitter").post(f"/api/v1/assessments/{created['id']}/submit")
    assert submitted.status_code == 200, submitted.json
    comment = api("reviewer").post(
        f"/api/v1/assessments/{created['id']}/reviews",
        json={"decision": "changes_requested", "comment": "x"},
    )
    assert comment.status_code < 500
    return {
        "ids": sorted(
            {1, 2, entry.id, draft.id, created["id"], *(t.id for t, _s in tokens.values())}
            | {u.id for u in users.values()}
        ),
        "words": ["parkeervergunning", "core", "privacy", "en", "nl", "css/app.css", "x"],
    }


STATS: dict = {}


def routes(app) -> list[tuple[object, str]]:
    return sorted(
        (
            (rule, method)
            for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - SKIPPED_METHODS)
        ),
        key=lambda pair: (pair[0].rule, pair[1]),
    )


def _csrf(client, logged_in: bool) -> str:
    page = client.get("/intern/" if logged_in else "/intern/inloggen").get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    return match.group(1) if match else ""


def describe(request: dict) -> str:
    shown = {k: v for k, v in request.items() if k != "headers"}
    return repr(shown)[:600]


def check(response, request: dict) -> None:
    status = response.status_code
    where = describe(request)
    assert status < 500, f"{status} for {where}"
    body = response.get_data()
    is_api = request["path"].startswith(b"/api/")
    if response.mimetype == "application/json" or (is_api and status >= 400):
        assert response.mimetype == "application/json", f"{status} not JSON for {where}"
        parsed = json.loads(body)
        if status >= 400:
            error = parsed["error"]
            assert isinstance(error["code"], str), where
            assert isinstance(error["message"], str), where
            assert error["message"], where
    elif response.mimetype == "text/html" and not 300 <= status < 400:
        assert b"</html>" in body.lower(), f"{status} page not whole for {where}"
    if 300 <= status < 400 and status != 304:
        assert response.headers.get("Location"), f"{status} without Location for {where}"
    if (
        request.get("form") is not None
        and not request.get("with_csrf")
        and not request.get("csrf_exempt")
    ):
        assert status in (400, 404, 405), f"{status} without CSRF token for {where}"


@pytest.mark.parametrize("role", ROLES)
def test_no_route_gives_a_server_error(app, client, users, login_as, world, role):
    walk = routes(app)
    assert len(walk) >= 50  # every rule, each of its methods
    # Residents' public forms are served from the page cache to everyone and cannot carry a
    # CSRF token; they are exempt by design (honeypot, signed time, rate limit instead).
    exempt = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
    api_user = role != "anonymous"
    user_id = users[role].id if api_user else None

    def me() -> User:
        # Fresh from the database: logout and password changes replace the session token.
        db.session.expire_all()
        return db.session.get(User, user_id)

    def log_in(raw_csrf: str | None = None) -> None:
        if role == "anonymous":
            return
        login_as(me())
        if raw_csrf:
            with client.session_transaction() as session:
                session["csrf_token"] = raw_csrf

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        # No shrinking: one walk covers every route, and shrinking it takes hours. The failing
        # request is reported as it was drawn (each draw is labelled with its route).
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )
    @given(st.data())
    def run(data):
        # A walk may revoke its own token or log itself out: start each one afresh.
        token = accounts.issue_token(db.session, None, me(), "fuzz")[1] if api_user else ""
        db.session.commit()
        client.delete_cookie(app.config["SESSION_COOKIE_NAME"], domain="register.test")
        log_in()
        csrf = _csrf(client, role != "anonymous")
        with client.session_transaction() as session:
            raw_csrf = session.get("csrf_token")
        for rule, method in walk:
            request = data.draw(request_for(rule, method, world), label=f"{method} {rule.rule}")
            log_in(raw_csrf)
            kwargs = {
                "method": method,
                "query_string": request["query_string"],
                "environ_overrides": {"PATH_INFO": request["path"].decode("latin-1")},
                "headers": {},
            }
            if rule.rule.startswith("/api/") and api_user:
                kwargs["headers"]["Authorization"] = f"Bearer {token}"
            if "data" in request:
                kwargs["data"] = request["data"]
                kwargs["content_type"] = request["content_type"]
            if "form" in request:
                pairs = list(request["form"])
                if request["with_csrf"]:
                    pairs.insert(0, (b"csrf_token", csrf.encode()))
                kwargs["data"] = urlencode(pairs)
                kwargs["content_type"] = "application/x-www-form-urlencoded"
            with client.open("/", **kwargs) as response:
                STATS.setdefault((method, rule.rule), []).append(response.status_code)
                check(response, {**request, "csrf_exempt": rule.endpoint in exempt})

    run()
    if os.environ.get("FUZZ_STATS"):  # which statuses each route gave: is the walk deep?
        with open(os.environ["FUZZ_STATS"], "a") as out:
            for (method, path), statuses in sorted(STATS.items()):
                counts = {s: statuses.count(s) for s in sorted(set(statuses))}
                out.write(f"{role} {method} {path} {counts}\n")
        STATS.clear()


# Every route also gets each known kind of hostile input once, whatever Hypothesis draws.
CORPUS = [
    {"query": "q=a%00b&page=1"},
    {"query": "status=%ED%A0%80"},
    {"query": f"page={HUGE}&per_page=%D9%A3&risk_level=%C2%B2&versie={HUGE}"},
    {"segment": b"\xed\xa0\x80", "number": str(HUGE)},
    {"segment": b"a\x00b", "number": "\u0663"},
    {"number": str(2**31)},
    {"body": b"[" * 100_000},
    {"body": b'{"algorithm": {"name": "\\ud800", "category": 5}, "answers": {"x": NaN}}'},
    {"body": b'{"algorithm": {"lawful_basis_grouping": "Wet", "name": 1e999}}'},
    {"form": b"name=%ED%A0%80&parent_id=" + str(HUGE).encode() + b"&body=x%00"},
    {"form": b"name=\xff\xfe&q-core.risk_profiling-rows=%D9%A3"},
]


def _corpus_path(rule, world: dict, case: dict) -> bytes:
    def fill(match):
        kind = type(rule._converters[match.group(1)]).__name__
        if kind == "BoundedIntConverter":
            return as_bytes(case.get("number", str(world["ids"][-1]))).decode("latin-1")
        return case.get("segment", b"parkeervergunning").decode("latin-1")

    return CONVERTER.sub(fill, rule.rule).encode("latin-1")


def test_every_route_survives_the_known_hostile_inputs(app, client, users, login_as, world):
    admin = db.session.get(User, users["admin"].id)
    token = accounts.issue_token(db.session, None, admin, "corpus")[1]
    db.session.commit()
    login_as(admin)
    csrf = _csrf(client, True)
    failures = []
    for rule, method in routes(app):
        for case in CORPUS:
            kwargs = {
                "method": method,
                "query_string": case.get("query", ""),
                "environ_overrides": {
                    "PATH_INFO": _corpus_path(rule, world, case).decode("latin-1")
                },
                "headers": {"Authorization": f"Bearer {token}"}
                if rule.rule.startswith("/api/")
                else {},
            }
            if "body" in case:
                kwargs.update(data=case["body"], content_type="application/json")
            if "form" in case:
                kwargs.update(
                    data=b"csrf_token=" + csrf.encode() + b"&" + case["form"],
                    content_type="application/x-www-form-urlencoded",
                )
            with client.open("/", **kwargs) as response:
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} {method} {rule.rule} {case}")
    assert failures == []
