"""Seed a benchmark database: the demo register and its assessments, plus generated entries
up to SIZE, inserted in bulk (seconds, not minutes).

    python -m bench.seed DATABASE_URL SIZE
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time

from flask import current_app
from sqlalchemy import insert, text

from portal import create_app
from portal.extensions import db
from register import search
from register.demo import DEMO_FILE
from register.models import Algorithm, AlgorithmTheme, AlgorithmVersion, SearchDocument
from register.standard import clean_entry, empty_entry

DISTRICTS = (
    "Binnenstad", "Oost", "Noordoost", "Overvecht", "Noordwest", "West", "Zuidwest",
    "Zuid", "Leidsche Rijn", "Vleuten-De Meern",
)  # fmt: skip
VARIANTS = ("pilot", "proef", "uitbreiding", "vervolg", "wijkaanpak", "dashboard", "model")
CHUNK = 5000


def _templates() -> list[dict]:
    entries = []
    for record in json.loads(DEMO_FILE.read_text(encoding="utf-8")):
        fields = {k: v for k, v in record.items() if k not in ("slug", "previous_versions")}
        entry, _ignored = clean_entry({**fields, "lang": "nld", "standard_version": "1.0"})
        entries.append(entry)
    return entries


def _template_body(template: dict) -> str:
    """The indexed text of a template without its name and short description."""
    return search.document_texts({**template, "name": "", "description_short": ""})[1]


def _vary(template: dict, number: int, rng: random.Random) -> dict:
    district = rng.choice(DISTRICTS)
    variant = rng.choice(VARIANTS)
    name = f"{template['name']} {district} {variant} {number}"[:100]
    sentences = template["description_short"].split(". ")
    rng.shuffle(sentences)
    return {
        **empty_entry(),
        **template,
        "name": name,
        "description_short": (f"In {district}: " + ". ".join(sentences))[:400],
        "source_id": "",
    }


def seed(size: int) -> dict[str, float]:
    timings = {}
    started = time.perf_counter()
    runner = current_app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    if result.exit_code:
        raise SystemExit(result.output)
    timings["demo"] = time.perf_counter() - started

    started = time.perf_counter()
    templates = _templates()
    bodies = [_template_body(t) for t in templates]
    rng = random.Random(2026)  # noqa: S311 - reproducible sample text, not security
    first_id = (db.session.scalar(text("SELECT MAX(id) FROM algorithms")) or 0) + 1
    now = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    postgres = db.engine.dialect.name == "postgresql"
    vocabulary: set[str] = set()
    total = max(0, size - (first_id - 1))
    trigger = None
    if not postgres:
        # Index the full-text table once at the end instead of row by row (same result).
        db.session.execute(text("PRAGMA synchronous=OFF"))
        db.session.execute(text("PRAGMA cache_size=-1000000"))  # 1 GB for the index build
        trigger = db.session.scalar(
            text("SELECT sql FROM sqlite_master WHERE name = 'search_documents_ai'")
        )
        db.session.execute(text("DROP TRIGGER search_documents_ai"))
    analysed = CHUNK // 2  # rows written at the last ANALYZE (PostgreSQL)
    for start in range(0, total, CHUNK):
        algorithms, versions, themes, documents = [], [], [], []
        for offset in range(start, min(total, start + CHUNK)):
            algorithm_id = first_id + offset
            template_index = offset % len(templates)
            content = _vary(templates[template_index], algorithm_id, rng)
            when = now - dt.timedelta(minutes=algorithm_id)
            algorithms.append(
                {
                    "id": algorithm_id,
                    "slug": f"bench-{algorithm_id}",
                    "is_published": True,
                    "content": content,
                    "name": content["name"],
                    "sort_name": search.normalize(content["name"])[:100],
                    "status": content["status"],
                    "publication_category": content["publication_category"],
                    "department": content.get("department", ""),
                    "organization": content.get("organization", ""),
                    "source_id": "",
                    "risk_level": None,
                    "created_at": when,
                    "published_at": when,
                    "first_published_at": when,
                }
            )
            versions.append(
                {
                    "algorithm_id": algorithm_id,
                    "number": 1,
                    "state": "published",
                    "content": content,
                    "summary": "Gepubliceerd",
                    "changed_fields": [],
                    "created_at": when,
                    "published_at": when,
                }
            )
            themes += [
                {"algorithm_id": algorithm_id, "theme": theme}
                for theme in dict.fromkeys(content["category"])
            ]
            # Same text as search.document_texts, without re-reading the template's fields.
            name_text = search.normalize(content["name"])
            body_text = " ".join(
                (name_text, search.normalize(content["description_short"]), bodies[template_index])
            )
            words, long_words = search.word_index(body_text)
            documents.append(
                {
                    "algorithm_id": algorithm_id,
                    "name_text": name_text,
                    "body_text": body_text,
                    "words": words if postgres else search.match_words(body_text),
                    "long_words": long_words,
                }
            )
            # Every word: PostgreSQL's search finds entries through the vocabulary.
            vocabulary.update(words)
        db.session.execute(insert(Algorithm), algorithms)
        db.session.execute(insert(AlgorithmVersion), versions)
        db.session.execute(insert(AlgorithmTheme), themes)
        db.session.execute(insert(SearchDocument), documents)
        written = min(total, start + CHUNK)
        if postgres and written >= analysed * 2:
            # Without statistics the planner takes `algorithms` for a tiny table and checks
            # each new version's foreign key by reading all of it: hours instead of minutes.
            db.session.execute(
                text("ANALYZE algorithms, algorithm_versions, algorithm_themes, search_documents")
            )
            analysed = written
    if trigger:
        db.session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
        db.session.execute(text(trigger))
    if postgres:
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('algorithms', 'id'), MAX(id)) FROM algorithms"
            )
        )
    search.add_vocabulary(db.session, vocabulary)
    db.session.commit()
    if postgres:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    timings["bulk"] = time.perf_counter() - started
    return timings


def main() -> None:
    url, size = sys.argv[1], int(sys.argv[2])
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        timings = seed(size)
        count = db.session.scalar(text("SELECT COUNT(*) FROM algorithms"))
    print(json.dumps({"entries": count, **{k: round(v, 2) for k, v in timings.items()}}))


if __name__ == "__main__":
    main()
