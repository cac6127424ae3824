"""Rows and runners shared by the import tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from portal.extensions import db
from register.models import Algorithm

ROOT = Path(__file__).resolve().parent.parent

# Names that several organisations really publish under in the national register.
SHARED_NAMES = ("Zivver", "Anonimiseringssoftware", "Anonimiseren", "Chatbot", "Parkeerscan")
ORGANISATIONS = ("Gemeente Amersfoort", "Gemeente Zwolle", "Provincie Utrecht", "Waterschap Vallei")


def row(name: str, organization: str, **overrides) -> dict:
    """A valid national v1.0 row."""
    record = {
        "name": name,
        "description_short": f"{name} zoals {organization} het gebruikt.",
        "organization": organization,
        "category": ["Organisatie en bedrijfsvoering"],
        "status": "In gebruik",
        "contact_email": "algoritmes@example.nl",
        "publication_category": "Overige algoritmes",
        "lang": "nld",
        "standard_version": "1.0",
    }
    record.update(overrides)
    return record


def shared_name_rows(*, with_lars: bool = True) -> list[dict]:
    """Every shared name once per organisation: equal names, different entries."""
    rows = []
    for o, organization in enumerate(ORGANISATIONS):
        for n, name in enumerate(SHARED_NAMES):
            extra = {"lars": str(9_000_000 + 100 * o + n)} if with_lars else {}
            rows.append(row(name, organization, **extra))
    return rows


def write_json(path: Path, records: list) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def run_import(app, path: Path, *extra: str):
    return CliRunner().invoke(
        app.cli, ["register", "import", str(path), *extra], catch_exceptions=False
    )


def api_total(client) -> int:
    return client.get("/api/v1/algorithms").json["total"]


def entry_count() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(Algorithm))


def cli_process(app, *args: str) -> subprocess.Popen:
    """`flask register ...` in its own process against the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "import-test-secret",
        "PORTAL_ENV": "production",
        "JSON_LOGS": "0",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "register", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
