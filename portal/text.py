"""Text the databases can store: one rule for every input (web, API, import, CLI).

PostgreSQL refuses NUL characters, and a lone surrogate (what Python makes of bytes that are
not UTF-8, for example on a command line) cannot be encoded as UTF-8 at all.
"""

from __future__ import annotations


def is_storable_text(value: str) -> bool:
    """False for text holding NUL or anything UTF-8 cannot encode (lone surrogates)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def holds_unstorable_text(value: object) -> bool:
    """True when `value`, or any text inside its lists and objects (keys too), is not
    storable."""
    if isinstance(value, str):
        return not is_storable_text(value)
    if isinstance(value, dict):
        return any(holds_unstorable_text(k) or holds_unstorable_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_unstorable_text(item) for item in value)
    return False
