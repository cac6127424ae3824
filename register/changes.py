"""What changed between two published versions of an entry, field by field (word diff).

The site's version page (/algoritmes/<slug>/versies/<n>) and the notices to subscribers
show the same comparison.
"""

from __future__ import annotations

import difflib

from register.models import AlgorithmVersion
from register.standard import FIELDS_BY_NAME, LIST_FIELDS, html_to_text


def field_text(content: dict, name: str) -> str:
    value = content.get(name)
    if not value:
        return ""
    if name in LIST_FIELDS:
        return "\n".join(
            " - ".join(v for v in item.values() if v) if isinstance(item, dict) else str(item)
            for item in value
        )
    return html_to_text(value) if FIELDS_BY_NAME[name].kind == "html" else str(value)


def version_changes(version: AlgorithmVersion, previous: AlgorithmVersion | None) -> list[dict]:
    """Per changed field: {"field", "old", "new", "diff"} (diff: difflib.ndiff word list)."""
    changes = []
    for name in version.changed_fields:
        old = field_text(previous.content, name) if previous else ""
        new = field_text(version.content, name)
        words = list(difflib.ndiff(old.split(), new.split()))
        changes.append({"field": name, "old": old, "new": new, "diff": words})
    return changes


def plain_text_diff(changes: list[dict], label) -> str:
    """The comparison as mail text: per field its label, the words taken out and put in."""
    lines = []
    for change in changes:
        removed = " ".join(w[2:] for w in change["diff"] if w.startswith("- "))
        added = " ".join(w[2:] for w in change["diff"] if w.startswith("+ "))
        lines.append(f"* {label(change['field'])}")
        if removed:
            lines.append(f"  - {removed[:500]}")
        if added:
            lines.append(f"  + {added[:500]}")
    return "\n".join(lines)
