"""Datasette, an independent server, on the same rows: its own virtual environment (made by
the benchmark), a SQLite copy of the published entries and an FTS5 index over the same
normalised text the register searches. Two indexes, two copies:

- `trigram`: the register's matching rules (a term also matches inside a longer word,
  `parkeer` finds `straatparkeren`), so both answer the same question;
- `words`: FTS5's default word tokenizer (whole words only), Datasette's usual set-up and a
  much cheaper lookup; it finds less, but it is the figure a reader of Datasette's own
  documentation would expect.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

VERSION = "2"  # bump when the copy's layout changes
TOKENIZERS = {"trigram": "trigram", "words": "unicode61 remove_diacritics 2"}


def ensure_venv(path: Path) -> Path:
    """bench/.venv-datasette with datasette installed; the path of its executable."""
    executable = path / "bin" / "datasette"
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run(
            [str(path / "bin" / "pip"), "install", "--quiet", "datasette"],
            check=True,
            stderr=subprocess.DEVNULL,
        )
    return executable


def build_copy(source_url: str, target: Path, stamp: str, index: str = "trigram") -> Path:
    """A SQLite file with table `algorithms` (slug, name, status, ..., text) and its FTS5
    index of the kind `index` (a key of TOKENIZERS)."""
    marker = target.with_suffix(".stamp")
    wanted = f"{VERSION} {stamp} {index}"
    if target.exists() and marker.exists() and marker.read_text() == wanted:
        return target
    if target.exists():
        target.unlink()
    engine = create_engine(source_url)
    database = sqlite3.connect(target)
    database.execute(
        "CREATE TABLE algorithms (id INTEGER PRIMARY KEY, slug TEXT, name TEXT, status TEXT, "
        "publication_category TEXT, department TEXT, text TEXT)"
    )
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT a.id, a.slug, a.name, a.status, a.publication_category, a.department, "
                "d.body_text FROM algorithms a JOIN search_documents d ON d.algorithm_id = a.id "
                "WHERE a.is_published = :yes ORDER BY a.id"
            ),
            {"yes": True},
        )
        while chunk := rows.fetchmany(5000):
            database.executemany("INSERT INTO algorithms VALUES (?, ?, ?, ?, ?, ?, ?)", chunk)
    engine.dispose()
    database.execute(
        "CREATE VIRTUAL TABLE algorithms_fts USING fts5(name, text, content='algorithms', "
        f"content_rowid='id', tokenize='{TOKENIZERS[index]}')"
    )
    database.execute(
        "INSERT INTO algorithms_fts(rowid, name, text) SELECT id, name, text FROM algorithms"
    )
    database.commit()
    database.close()
    marker.write_text(wanted)
    return target


class Datasette:
    def __init__(self, executable: Path, database: Path, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [str(executable), "serve", str(database), "--host", "127.0.0.1", "--port",
             str(port), "--setting", "sql_time_limit_ms", "5000"],
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.name = database.stem
        for _ in range(150):
            try:
                with urllib.request.urlopen(self.base + "/-/versions.json", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("datasette did not start")

    def paths(self, words: list[str], *, json: bool) -> list[str]:
        from urllib.parse import urlencode

        table = f"/{self.name}/algorithms" + (".json" if json else "")
        # The register's page size (20), not Datasette's default of 100 rows of 4 kB each.
        return [f"{table}?{urlencode({'_search': w, '_size': 20})}" for w in words]

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
