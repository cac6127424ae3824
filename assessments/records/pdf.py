"""HTML to PDF bytes: WeasyPrint with the record's stylesheet, the PDF/A variant, the JSON
attachment and a URL fetcher that fetches nothing."""

from __future__ import annotations

import json
from pathlib import Path

from assessments.models import Assessment, AssessmentVersion
from assessments.records.context import PDF_VARIANT, record_html

RECORD_CSS = Path(__file__).resolve().parent.parent.parent / "static" / "css" / "record.css"

_FETCHER_CLASS = None


def record_url_fetcher():
    """A WeasyPrint URL fetcher that fetches nothing (WeasyPrint 70's URLFetcher API).

    Records are built from our own template and stylesheet (read from its file, not
    fetched); a reference to anything else (`file:`, `http:`, `data:` or relative, from a
    template change or markup that slipped into a record) is refused. WeasyPrint reports a
    refused resource as a warning and renders the rest, so a hostile reference can neither
    read a file or an internal address into the PDF nor abort the rendering."""
    global _FETCHER_CLASS
    if _FETCHER_CLASS is None:
        from weasyprint.urls import URLFetcher

        class RecordURLFetcher(URLFetcher):
            def __init__(self):
                super().__init__(
                    timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False
                )

            def fetch(self, url, headers=None):
                raise ValueError(f"records load no external resources ({url[:80]})")

        _FETCHER_CLASS = RecordURLFetcher
    return _FETCHER_CLASS()


def html_to_pdf(html: str, *, identifier: str, attachments=()) -> bytes:
    """WeasyPrint with the record's stylesheet, PDF/A variant and locked-down fetcher."""
    from weasyprint import CSS, HTML

    fetcher = record_url_fetcher()
    return HTML(string=html, base_url=str(RECORD_CSS.parent), url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(filename=str(RECORD_CSS), url_fetcher=fetcher)],
        pdf_variant=PDF_VARIANT,
        pdf_tags=True,  # a structure tree, so screen readers read headings, lists and tables
        pdf_identifier=identifier.encode(),
        attachments=list(attachments),
    )


def render(assessment: Assessment, version: AssessmentVersion, kind: str) -> bytes:
    """The PDF bytes of one record. Slow (WeasyPrint): never call it inside a transaction
    that holds locks other requests need."""
    from weasyprint import Attachment

    html, data = record_html(assessment, version, kind)
    attachment = Attachment(
        string=json.dumps(data, ensure_ascii=False, indent=1, default=str),
        name="toetsing.json",
        description="Uthiek-toetsing als JSON / Uthiek assessment as JSON",
        relationship="Data",
        created=version.decided_at,
        modified=version.decided_at,
    )
    return html_to_pdf(html, identifier=f"uthiek-{assessment.id}", attachments=[attachment])
