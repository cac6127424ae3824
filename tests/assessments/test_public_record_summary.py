"""The public record opens with a plain-language summary for residents, keeps the weighting
jargon to the internal record, and is a tagged PDF that screen readers can follow."""

import io

import pypdf

from tests.assessments.test_review import LOW_RISK, decide, submitted


def _record(api, assessment_id: int, kind: str) -> pypdf.PdfReader:
    response = api("submitter").get(f"/api/v1/assessments/{assessment_id}/record.pdf?kind={kind}")
    assert response.status_code == 200
    return pypdf.PdfReader(io.BytesIO(response.data))


def _text(reader: pypdf.PdfReader) -> str:
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_public_record_opens_with_a_summary_in_plain_words(api, board):
    assessment = submitted(api, LOW_RISK)
    decide(api, "reviewer", assessment["id"], "approve_with_conditions")
    reader = _record(api, assessment["id"], "public")
    text = _text(reader)
    summary = text[text.index("In het kort") :]
    assert summary.index("Wat doet het algoritme?") < summary.index("Hoe groot is het risico?")
    assert "Het risiconiveau is laag (1 van 4)" in summary
    assert "weinig gevolgen voor inwoners" in summary
    assert "1 lid van de Uthiek-klankbordgroep" in summary
    assert "goedgekeurd, met voorwaarden" in summary
    assert "Herhaal de groepsanalyse" in summary  # the condition itself, for residents too
    assert "Wanneer wordt het opnieuw bekeken?" in summary
    # The scoring version is for the internal record only ("afweging" is an ordinary word).
    assert "(weging uthiek" not in text
    assert "(weging uthiek-2.0)" in _text(_record(api, assessment["id"], "internal"))


def test_records_are_tagged_pdfs(api, board):
    assessment = submitted(api, LOW_RISK)
    decide(api, "reviewer", assessment["id"])
    for kind in ("public", "internal"):
        root = _record(api, assessment["id"], kind).trailer["/Root"]
        assert bool(root["/MarkInfo"]["/Marked"])
        assert "/StructTreeRoot" in root
        assert root["/Lang"] == "nl"
