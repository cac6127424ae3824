"""Rules of monitoring after approval: the thresholds a monitoring report is held to, what a
report breaches, and which declared changes are material. Pure: no Flask, no database.

Thresholds are fixed when a version is approved: the defaults of its risk level below,
with what the board set in its verdict laid over them (`board_thresholds`; also
`assessments.aftercare.set_thresholds`). A report breaches when staff overrode the algorithm
more often than allowed, when there were more objections or complaints than allowed, when
the group outcome tables flag a group, or (where the board set one) when the lowest
selection rate of a table is too small a share of its highest.
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
THRESHOLD_KEYS = (
    "max_override_rate",
    "max_objections",
    "max_complaints",
    "flag_groups",
    "min_group_ratio",
)
# What the board may set with its verdict (a flagged group always breaches). The minimum
# group outcome ratio has no default: the level's defaults hold the flagged-group rule.
BOARD_KEYS = ("max_override_rate", "max_objections", "max_complaints", "min_group_ratio")
FRACTIONS = frozenset({"max_override_rate", "min_group_ratio"})

RULE_OVERRIDE_RATE = "override_rate"
RULE_OBJECTIONS = "objections"
RULE_COMPLAINTS = "complaints"
RULE_FLAGGED_GROUPS = "flagged_groups"
RULE_GROUP_RATIO = "group_ratio"

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
        elif key == "min_group_ratio" and value is None:
            clean[key] = None
        elif key in FRACTIONS:
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                errors[key] = "fraction"
            else:
                clean[key] = float(value)
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[key] = "count"
        else:
            clean[key] = value
    return clean, errors


def board_thresholds(values) -> tuple[dict, dict[str, str]]:
    """What the board sets with its verdict: only the keys it filled in (None or an empty
    value: the level's default), checked as `clean_thresholds` checks them."""
    if values in (None, ""):
        return {}, {}
    if not isinstance(values, dict):
        return {}, {"thresholds": "object"}
    given = {key: value for key, value in values.items() if value not in (None, "")}
    errors = {key: "unknown" for key in given if key not in BOARD_KEYS}
    clean, problems = clean_thresholds({k: v for k, v in given.items() if k in BOARD_KEYS}, base={})
    return clean, {**errors, **problems}


def lowest_group_ratio(analysis: dict) -> float | None:
    """The lowest ratio, over the report's tables, of a table's lowest selection rate to its
    highest (1.0: every group selected alike). Groups too small to compare, and tables with
    fewer than two groups or nobody selected, do not count; None when no table counts."""
    tables: dict[tuple, list[float]] = {}
    for row in analysis.get("rows") or []:
        rate = row.get("selection_rate")
        if rate is None or row.get("insufficient_data"):
            continue
        key = (row.get("table"), row.get("dimension"), row.get("stage"))
        tables.setdefault(key, []).append(rate)
    ratios = [min(rates) / max(rates) for rates in tables.values() if len(rates) > 1 and max(rates)]
    return round(min(ratios), 4) if ratios else None


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
    group_ratio: float | None = None,
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
    limit = thresholds.get("min_group_ratio")
    if limit is not None and group_ratio is not None and group_ratio < limit:
        found.append(Breach(RULE_GROUP_RATIO, group_ratio, limit))
    return found


def shown(values: dict, board_keys) -> list[dict]:
    """The thresholds in the order people read them, each with who set it: the board, or
    the approved level's default (`None` values are not set)."""
    board = set(board_keys or ())
    return [
        {"key": key, "value": values.get(key), "by_board": key in board}
        for key in BOARD_KEYS
        if values.get(key) is not None
    ]


def is_material(kind: str, declared_material: bool = False) -> bool:
    """A new data source, variable, retrained model, purpose or affected group is material;
    the owner may also call another change material."""
    return kind in MATERIAL_KINDS or bool(declared_material)
