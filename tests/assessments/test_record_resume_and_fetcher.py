"""`flask records resume` goes on past a failing approval, and the PDF renderer fetches
nothing: a `file:` or `http:` reference is refused without aborting the record."""

import base64
import http.server
import io
import threading
import typing

import pypdf
import pytest

from assessments import records
from assessments.models import Assessment, Record
from assessments.records import pdf as record_pdf
from portal.extensions import db
from tests.assessments.test_review import LOW_RISK, decide, submitted

# A 1x1 PNG: if the renderer read it, the PDF would carry an image.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _pending_approvals(api, monkeypatch, count: int) -> list[int]:
    original = record_pdf.render
    monkeypatch.setattr(record_pdf, "render", lambda *a, **k: (_ for _ in ()).throw(OSError("x")))
    ids = []
    for _ in range(count):
        assessment = submitted(api, LOW_RISK)
        response = decide(api, "reviewer", assessment["id"])
        assert response.json["assessment"]["record_pending"] is True
        ids.append(assessment["id"])
    monkeypatch.setattr(record_pdf, "render", original)
    return ids


def test_resume_goes_on_past_a_failure_and_reports_it(api, board, app, monkeypatch):
    broken, fine, also_fine = _pending_approvals(api, monkeypatch, 3)
    original = record_pdf.render

    def render(assessment, version, kind):
        if assessment.id == broken:
            raise RuntimeError("lettertype ontbreekt")
        return original(assessment, version, kind)

    monkeypatch.setattr(record_pdf, "render", render)
    result = app.test_cli_runner().invoke(args=["records", "resume"])
    assert result.exit_code == 1
    assert f"FAILED assessment {broken}: RuntimeError: lettertype ontbreekt" in result.output
    assert "2 approval(s) finished" in result.output
    db.session.expire_all()
    assert db.session.get(Assessment, broken).publication_pending is True
    for assessment_id in (fine, also_fine):
        done = db.session.get(Assessment, assessment_id)
        assert done.publication_pending is False
        assert done.algorithm.is_published
    assert db.session.query(Record).count() == 4

    monkeypatch.setattr(record_pdf, "render", original)  # fixed: the next run finishes it
    again = app.test_cli_runner().invoke(args=["records", "resume"])
    assert again.exit_code == 0, again.output
    assert f"1 approval(s) finished: [{broken}]" in again.output


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: typing.ClassVar[list[str]] = []

    def do_GET(self):
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    _Recorder.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _read(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def test_the_renderer_refuses_file_and_http_references_and_still_renders(tmp_path, web_server):
    image = tmp_path / "geheim.png"
    image.write_bytes(PNG)
    html = (
        '<html lang="nl"><head><title>Proef</title>'
        f'<link rel="stylesheet" href="{web_server}/stijl.css"></head><body>'
        "<h1>Proef</h1>"
        f'<img src="{image.as_uri()}"><img src="file:///etc/passwd">'
        f'<img src="{web_server}/plaatje.png"><img src="../../instance/x.png">'
        f"<p style=\"background: url('{web_server}/achtergrond.png')\">Na de plaatjes</p>"
        "</body></html>"
    )
    reader = _read(records.html_to_pdf(html, identifier="proef"))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Na de plaatjes" in text  # rendered to the end
    assert all(len(page.images) == 0 for page in reader.pages)
    assert _Recorder.hits == []  # nothing was requested
    assert "root:" not in text


def test_markup_in_an_answer_reaches_the_record_as_text_only(api, board, web_server):
    assessment = submitted(api, LOW_RISK)
    url = f"/api/v1/assessments/{assessment['id']}"
    hostile = f'<img src="file:///etc/passwd"><img src="{web_server}/x.png">Doel'
    assert decide(api, "reviewer", assessment["id"], "changes_requested").status_code == 201
    saved = api("submitter").put(f"{url}/answers", json={"answers": {"core.purpose": hostile}})
    assert saved.status_code == 200
    assert api("submitter").post(f"{url}/submit").status_code == 200
    assert decide(api, "reviewer2", assessment["id"]).status_code == 201
    internal = api("submitter").get(f"{url}/record.pdf")
    assert internal.status_code == 200
    reader = _read(internal.data)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert 'src="file:///etc/passwd"' in text.replace("\n", "")  # shown, not loaded
    assert all(len(page.images) == 0 for page in reader.pages)
    assert _Recorder.hits == []
