"""A reviewer's input as typed (web form or API) -> clean values and per-field problem codes.
Pure: no database, no Flask."""

from __future__ import annotations

import datetime as dt

from assessments import answers as answer_rules
from assessments import quorum
from portal.db import utcnow

SECTION_ADVICE = ("agree", "agree_with_conditions", "disagree")
MAX_TEXT = 20_000
MAX_CONDITIONS = 30


def clean_text(value, name: str, errors: dict, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = "text"
        return ""
    if answer_rules.unstorable_text(value):
        errors[name] = "unstorable"
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = "required"
    elif len(value) > MAX_TEXT:
        errors[name] = "too_long"
    return value


def clean_date(value, name: str, errors: dict) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[name] = "date"
        return None


def clean_review(data: dict, section_ids: list[str]) -> tuple[dict, dict[str, str]]:
    """A reviewer's input as typed (web form or API) → clean values and per-field problems.
    Problem codes are stable keys; views turn them into sentences."""
    errors: dict[str, str] = {}
    decision = data.get("decision")
    if decision not in quorum.DECISIONS:
        errors["decision"] = "choice"
    clean = {
        "decision": decision,
        "comment": clean_text(
            data.get("comment"),
            "comment",
            errors,
            required=decision in (quorum.CHANGES_REQUESTED, quorum.REJECT),
        ),
        "remaining_risks": clean_text(data.get("remaining_risks"), "remaining_risks", errors),
        "risk_accepted_by": clean_text(data.get("risk_accepted_by"), "risk_accepted_by", errors),
        "proposed_reassessment": clean_date(
            data.get("proposed_reassessment"), "proposed_reassessment", errors
        ),
    }
    if len(clean["risk_accepted_by"]) > 200:
        errors["risk_accepted_by"] = "too_long"
    if clean["proposed_reassessment"] and clean["proposed_reassessment"] <= utcnow().date():
        errors["proposed_reassessment"] = "future"

    advice = {}
    raw_advice = data.get("section_advice") or {}
    if not isinstance(raw_advice, dict):
        errors["section_advice"] = "object"
        raw_advice = {}
    for section_id, item in raw_advice.items():
        if section_id not in section_ids or not isinstance(item, dict):
            errors[f"section_advice.{section_id}"[:120]] = "unknown"
            continue
        choice = item.get("advice") or ""
        motivation = clean_text(
            item.get("motivation"), f"section_advice.{section_id}.motivation", errors
        )
        if not choice and not motivation:
            continue
        if choice not in SECTION_ADVICE:
            errors[f"section_advice.{section_id}.advice"] = "choice"
        elif choice != "agree" and not motivation:
            errors[f"section_advice.{section_id}.motivation"] = "required"
        advice[section_id] = {"advice": choice, "motivation": motivation}
    clean["section_advice"] = advice

    conditions = []
    raw_conditions = data.get("conditions") or []
    if not isinstance(raw_conditions, list) or len(raw_conditions) > MAX_CONDITIONS:
        errors["conditions"] = "list"
        raw_conditions = []
    for index, item in enumerate(raw_conditions):
        path = f"conditions[{index}]"
        if not isinstance(item, dict):
            errors[path] = "object"
            continue
        text = clean_text(item.get("text"), f"{path}.text", errors)
        owner = clean_text(item.get("owner"), f"{path}.owner", errors)
        deadline = clean_date(item.get("deadline"), f"{path}.deadline", errors)
        if not (text or owner or deadline):
            continue
        for name, value in (("text", text), ("owner", owner), ("deadline", deadline)):
            if not value and f"{path}.{name}" not in errors:
                errors[f"{path}.{name}"] = "required"
        conditions.append(
            {"text": text, "owner": owner, "deadline": deadline.isoformat() if deadline else ""}
        )
    if decision == quorum.APPROVE_WITH_CONDITIONS and not conditions:
        errors.setdefault("conditions", "required")
    clean["conditions"] = conditions
    return clean, errors
