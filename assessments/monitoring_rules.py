"""Rules of monitoring after approval: the thresholds a monitoring report is held to, what a
report breaches, and which declared changes are material. Pure: no Flask, no database.

Thresholds are set when a version is approved: the defaults of its risk level below, or
what the board's conditions set later (`assessments.aftercare.set_thresholds`). A report
breaches when staff overrode the algorithm more often than allowed, when there were more
objections or complaints than allowed, or when the group outcome tables flag a group.
"""

from __future__ import annotations

from dataclasses import dataclass

# Per risk level (1 low - 4 high): stricter the higher the risk.
DEFAULT_THRESHOLDS: dict[int, dict] = {
    1: {"max_override_rate": 0.30, "max_objections": 25, "max_complaints": 25, "flag_groups": True},
    2: {"max_override_rate": 0.25, "max_objections": 15, "max_complaints": 15, "flag_groups": True},
    3: {"max_override_rate": 0.20, "max_objections": 10, "max_complaints": 10, "flag_groups": True},
    4: {"max_override_rate": 0.15, "max_objections": 5, "max_complaints": 5, "flag_groups": True},
}
THRESHOLD_KEYS = ("max_override_rate", "max_objections", "max_complaints", "flag_groups")

RULE_OVERRIDE_RATE = "override_rate"
RULE_OBJECTIONS = "objections"
RULE_COMPLAINTS = "complaints"
RULE_FLAGGED_GROUPS = "flagged_groups"

# Declared changes (register/aftercare.CHANGE_KINDS) that reopen the assessment.
MATERIAL_KINDS = frozenset(
    {"data_source", "variable", "retrained_model", "purpose", "affected_group"}
)


def default_thresholds(risk_level: int | None) -> dict:
    """The defaults of a risk level; an unknown level gets the strictest."""
    return dict(DEFAULT_THRESHOLDS.get(risk_level or 4, DEFAULT_THRESHOLDS[4]))


def clean_thresholds(values: dict, base: dict) -> tuple[dict, dict[str, str]]:
    """Thresholds laid over `base`; problem codes per key for values out of range."""
    errors: dict[str, str] = {}
    clean = dict(base)
    for key, value in (values or {}).items():
        if key not in THRESHOLD_KEYS:
            errors[key] = "unknown"
        elif key == "flag_groups":
            if not isinstance(value, bool):
                errors[key] = "boolean"
            else:
                clean[key] = value
        elif key == "max_override_rate":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                errors[key] = "fraction"
            else:
                clean[key] = float(value)
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[key] = "count"
        else:
            clean[key] = value
    return clean, errors


@dataclass(frozen=True)
class Breach:
    rule: str
    value: float | int | list
    limit: float | int | None

    def as_dict(self) -> dict:
        return {"rule": self.rule, "value": self.value, "limit": self.limit}


def breaches(
    thresholds: dict,
    *,
    override_rate: float | None,
    objections: int,
    complaints: int,
    flagged_groups: list[str],
) -> list[Breach]:
    """What a report breaches; empty when it stays within its thresholds."""
    found = []
    limit = thresholds.get("max_override_rate")
    if override_rate is not None and limit is not None and override_rate > limit:
        found.append(Breach(RULE_OVERRIDE_RATE, override_rate, limit))
    limit = thresholds.get("max_objections")
    if limit is not None and objections > limit:
        found.append(Breach(RULE_OBJECTIONS, objections, limit))
    limit = thresholds.get("max_complaints")
    if limit is not None and complaints > limit:
        found.append(Breach(RULE_COMPLAINTS, complaints, limit))
    if thresholds.get("flag_groups", True) and flagged_groups:
        found.append(Breach(RULE_FLAGGED_GROUPS, list(flagged_groups), None))
    return found


def is_material(kind: str, declared_material: bool = False) -> bool:
    """A new data source, variable, retrained model, purpose or affected group is material;
    the owner may also call another change material."""
    return kind in MATERIAL_KINDS or bool(declared_material)
