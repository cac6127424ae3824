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


def word_diff(old: str, new: str) -> list[str]:
    """The words of `new` against `old`, in ndiff's token format: "  word" kept, "- word"
    taken out, "+ word" put in (a replaced run: its old words, then its new ones).

    SequenceMatcher's opcodes rather than difflib.ndiff: ndiff compares every pair of
    replaced words and takes seconds on a rewritten page of text."""
    before, after = old.split(), new.split()
    tokens = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            tokens.extend(f"  {word}" for word in before[i1:i2])
            continue
        tokens.extend(f"- {word}" for word in before[i1:i2])
        tokens.extend(f"+ {word}" for word in after[j1:j2])
    return tokens


def version_changes(version: AlgorithmVersion, previous: AlgorithmVersion | None) -> list[dict]:
    """Per changed field: {"field", "old", "new", "diff"} (diff: word_diff tokens)."""
    changes = []
    for name in version.changed_fields:
        old = field_text(previous.content, name) if previous else ""
        new = field_text(version.content, name)
        changes.append({"field": name, "old": old, "new": new, "diff": word_diff(old, new)})
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
