"""What a viewer of an assessment gets to read: the owner's working copy, or the version
that was last submitted to the board.

Reviewers and the privacy officer see what was submitted to them, frozen; the owner's
unsubmitted working answers (a draft, edits after changes were requested, a re-assessment
in progress, withdrawn or not) stay the owner's. Every page and API answer that shows
answers or register fields reads them through `as_seen_by`, so there is one rule.
"""

from __future__ import annotations

from assessments import permissions
from assessments.models import Assessment, AssessmentVersion
from assessments.operations import facts


class SubmittedView:
    """An assessment with the answers and register fields of one submitted version; every
    other attribute (id, state, owner, versions, ...) is the assessment's own. Read-only:
    never pass it to an operation."""

    def __init__(self, assessment: Assessment, version: AssessmentVersion):
        self._assessment = assessment
        self.shown_version = version
        self.answers = dict(version.answers)
        self.register_fields = dict(version.register_fields)
        self.bank_id = version.bank_id
        self.bank_version = version.bank_version
        # When the owner last saved is none of the board's business either.
        self.updated_at = version.submitted_at

    @property
    def title(self) -> str:
        return self.register_fields.get("name") or f"#{self._assessment.id}"

    def __getattr__(self, name: str):
        return getattr(self._assessment, name)


def as_seen_by(user, assessment: Assessment) -> Assessment | SubmittedView:
    """The assessment itself for its authors and admins; else its last submitted version.
    Callers have checked `can_view_assessment` (which needs a submitted version for them)."""
    if permissions.can_view_working_copy(user, facts(assessment)):
        return assessment
    if not assessment.versions:
        raise PermissionError("nothing of this assessment was submitted")
    return SubmittedView(assessment, assessment.versions[-1])
