"""How complete an entry is: the national standard's fields plus Utrecht's additions. Pure.

Metadata the portal fills itself (language, standard version, ids) does not count, nor do the
AI Act fields, which apply to high-risk systems only.
"""

from __future__ import annotations

from dataclasses import dataclass

from register.standard import FIELDS

NOT_COUNTED = frozenset(
    {
        "lang",
        "standard_version",
        "source_id",
        "tags",
        "end_date",  # only for entries no longer in use
        "eu_database_url",
        "fria_summary",
        "withheld_reason",  # only when something is withheld
    }
)
COUNTED_FIELDS = tuple(spec.name for spec in FIELDS if spec.name not in NOT_COUNTED)


@dataclass(frozen=True)
class Completeness:
    filled: int
    total: int
    missing: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.filled / self.total if self.total else 1.0

    @property
    def percent(self) -> int:
        return round(100 * self.share)


def _is_filled(value) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return any(_is_filled(item) for item in value)
    if isinstance(value, dict):
        return any(_is_filled(item) for item in value.values())
    return value is not None


def completeness(content: dict) -> Completeness:
    missing = tuple(name for name in COUNTED_FIELDS if not _is_filled(content.get(name)))
    return Completeness(
        filled=len(COUNTED_FIELDS) - len(missing), total=len(COUNTED_FIELDS), missing=missing
    )
