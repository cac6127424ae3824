"""The plain-language check on what residents will read of an assessment: the register
fields and the team's explanation for residents. Shown while writing and in review; never
blocking (register.readability holds the rule)."""

from __future__ import annotations

from flask import Flask

from register.labels import field_label
from register.readability import B1_MINIMUM_SCORE, Readability, check, entry_readability

EXPLANATION_QUESTION = "core.explain_to_residents"


def resident_text_checks(register_fields: dict | None, answers: dict | None) -> list[dict]:
    """[{field, label, result}] for each filled resident-facing text."""
    checks = [
        {"field": name, "label": field_label(name), "result": result}
        for name, result in entry_readability(register_fields or {})
    ]
    explanation = (answers or {}).get(EXPLANATION_QUESTION)
    if isinstance(explanation, str) and explanation.strip():
        from flask_babel import gettext as _

        checks.insert(
            0,
            {
                "field": EXPLANATION_QUESTION,
                "label": _("Explanation for residents"),
                "result": check(explanation),
            },
        )
    return checks


def needs_work(checks: list[dict]) -> list[dict]:
    return [item for item in checks if not item["result"].meets_b1]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["resident_text_checks"] = resident_text_checks
    app.jinja_env.globals["B1_MINIMUM_SCORE"] = B1_MINIMUM_SCORE


__all__ = ["Readability", "init_app", "needs_work", "resident_text_checks"]
