"""The signed PDF record of an approved version, and its publication to the register.

Two files per approved version, rendered once with WeasyPrint as PDF/A-3b:

- the **public record**: the answers the question bank marks public, the risk level and the
  review outcome (decision, conditions, dissent counted, no names); publication writes its
  SHA-256 and link into the register entry, and `/algoritmes/<slug>/record.pdf` serves
  exactly these bytes;
- the **internal record**: every answer, the risk level's reasons, the group outcome table,
  the chain-partner sources and each reviewer's name, decision, conditions and dissent;
  served to staff at `/api/v1/assessments/<id>/record.pdf`.

Each embeds its content as JSON (`toetsing.json`), so the record is machine-readable too.
The rooms, in the order a record passes through them: `context` (version -> data -> HTML),
`pdf` (HTML -> PDF bytes, WeasyPrint), `store` (stored records: read, hash, verify),
`publication` (render after the approval commits, then store and publish in one
transaction; `resume_pending` finishes an interrupted run) and `http` (the stored bytes as a
response, and the public download routes). This package exports their public names so
callers can say `records.publish_now`; the modules themselves import each other directly.
"""

from assessments.records.context import record_data, record_html
from assessments.records.http import public_records_blueprint, record_response
from assessments.records.pdf import html_to_pdf, record_url_fetcher, render
from assessments.records.publication import (
    UTHIEK_TITLE,
    ResumeResult,
    publish_approved,
    publish_now,
    resume_pending,
)
from assessments.records.store import (
    RECORD_KINDS,
    latest_record,
    public_records,
    records_for,
    sha256,
    verify,
)

__all__ = [
    "RECORD_KINDS",
    "UTHIEK_TITLE",
    "ResumeResult",
    "html_to_pdf",
    "latest_record",
    "public_records",
    "public_records_blueprint",
    "publish_approved",
    "publish_now",
    "record_data",
    "record_html",
    "record_response",
    "record_url_fetcher",
    "records_for",
    "render",
    "resume_pending",
    "sha256",
    "verify",
]
