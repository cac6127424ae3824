"""Import and export against the national register's own data and rules (../shared/data)."""

import json
import re

import pytest
from click.testing import CliRunner

from portal.extensions import db
from register import exchange, queries
from register.models import Algorithm
from tests.conftest import SHARED_DATA, wipe_database

if not SHARED_DATA.is_dir():
    # Users' clones lack ../shared/: these tests show as skipped there, they never vanish.
    pytest.skip(f"{SHARED_DATA} is absent", allow_module_level=True)

TEMPLATES = sorted((SHARED_DATA / "nl-register" / "templates-v1_0").glob("*.json"))
CONFIG = json.loads((SHARED_DATA / "nl-standard" / "config-v1_0.json").read_text())["properties"]
TEMPLATE_COUNT = sum(len(json.loads(path.read_text())) for path in TEMPLATES)


def national_rule_violations(record: dict) -> list[str]:
    """The national register's checks, read straight from config-v1_0.json."""
    problems = []
    for name, rule in CONFIG.items():
        value = record.get(name)
        if rule.get("required") is True and not value:
            problems.append(f"{name}: required")
        if not value:
            continue
        if "max_length" in rule and isinstance(value, str) and len(value) > rule["max_length"]:
            problems.append(f"{name}: too long")
        permitted = rule.get("permitted_values")
        if permitted:
            values = value if isinstance(value, list) else [value]
            problems += [f"{name}: {v!r} not permitted" for v in values if v not in permitted]
        allowed = rule.get("allowed_html_tags")
        if allowed and isinstance(value, str):
            tags = set(re.findall(r"</?([a-zA-Z0-9]+)", value))
            problems += [f"{name}: tag {tag}" for tag in tags - set(allowed)]
        if rule.get("type") == "array" and "items" in rule:
            for row in value:
                for sub_name, sub_rule in rule["items"].items():
                    sub_value = row.get(sub_name) or ""
                    if sub_rule.get("required") and not sub_value:
                        problems.append(f"{name}.{sub_name}: required")
                    if "max_length" in sub_rule and len(sub_value) > sub_rule["max_length"]:
                        problems.append(f"{name}.{sub_name}: too long")
    return problems


def run(app, *args):
    result = CliRunner().invoke(app.cli, list(args), catch_exceptions=False)
    return result


def import_all_templates(app):
    outputs = [run(app, "register", "import", str(path)).output for path in TEMPLATES]
    return "".join(outputs)


def test_our_field_rules_match_the_national_config():
    from register.standard import FIELDS_BY_NAME, NATIONAL_FIELD_NAMES

    for name, rule in CONFIG.items():
        if name in ("lars", "publication_dt"):
            continue  # set by the national register itself
        assert name in NATIONAL_FIELD_NAMES, name
        spec = FIELDS_BY_NAME[name]
        assert spec.required == (rule.get("required") is True), name
        if "max_length" in rule:
            assert spec.max_length == rule["max_length"], name
        if "permitted_values" in rule:
            assert tuple(spec.permitted) == tuple(rule["permitted_values"]), name


def test_every_template_imports_and_a_second_run_changes_nothing(app):
    first = import_all_templates(app)
    assert f"{TEMPLATE_COUNT} imported" not in first  # counts are per file
    assert first.count("imported: ") == TEMPLATE_COUNT
    assert "rejected: " not in first
    assert "organization empty" in first  # the templates leave it empty: reported
    versions_before = db.session.scalar(db.select(db.func.count()).select_from(Algorithm))
    second = import_all_templates(app)
    assert second.count("unchanged: ") == TEMPLATE_COUNT
    assert "imported: " not in second
    assert "updated: " not in second
    assert db.session.scalar(db.select(db.func.count()).select_from(Algorithm)) == versions_before


def test_imported_html_is_sanitised_and_searchable(app, client):
    import_all_templates(app)
    amsterdam = client.get("/api/v1/algorithms/gemeente-amsterdam-meldingen-openbare-ruimte").json
    assert amsterdam["goal"].startswith("<div><p>Als er op straat")
    assert "Natural language processing" in amsterdam["tags"]
    found = client.get("/api/v1/algorithms?q=meldingen+openbare+ruimte").json
    assert found["items"][0]["slug"] == "gemeente-amsterdam-meldingen-openbare-ruimte"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_passes_the_national_rules_and_round_trips(app, tmp_path, fmt):
    import_all_templates(app)
    before = {a.slug: a.content for a in queries.all_published(db.session)}
    path = tmp_path / f"export.{fmt}"
    result = run(app, "register", "export", "--format", fmt, "--output", str(path))
    assert f"{TEMPLATE_COUNT} entries written" in result.output
    records = [dict(zip(r.keys(), r.values(), strict=True)) for _, r in exchange.read_rows(path)]
    assert len(records) == TEMPLATE_COUNT
    for record in records:
        assert national_rule_violations(record) == [], record["id"]

    # Importing our own export into the same register changes nothing...
    again = run(app, "register", "import", str(path)).output
    assert again.count("unchanged: ") == TEMPLATE_COUNT

    # ...and into an empty register it rebuilds the same content.
    wipe_database()
    run(app, "register", "import", str(path))
    after = {a.slug: a.content for a in queries.all_published(db.session)}
    assert after == before


def test_utrecht_scrape_names_are_all_in_the_demo_register(app):
    scrape = json.loads((SHARED_DATA / "nl-register" / "utrecht-2026-08-08.json").read_text())
    run(app, "demo", "load")
    names = {a.name for a in queries.all_published(db.session)}
    missing = [item["title"] for item in scrape["algoritmes"] if item["title"] not in names]
    assert missing == []
    statuses = {a.source_id: a.status for a in queries.all_published(db.session)}
    mapping = {"in_gebruik": "In gebruik", "buiten_gebruik": "Buiten gebruik"}
    for item in scrape["algoritmes"]:
        assert statuses[item["id"]] == mapping[item["status"]], item["title"]
