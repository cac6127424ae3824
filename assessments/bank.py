"""Question banks: versioned YAML data, validated and loaded once.

Each assessment records the bank id and version it was answered against; older versions
stay loadable, so an assessment keeps working after a newer bank ships.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jsonschema
import yaml

BANK_DIR = Path(__file__).with_name("question_banks")
SCHEMA_FILE = BANK_DIR / "bank.schema.json"
CHOICE_TYPES = frozenset({"yes_no_unsure", "choice", "multichoice", "scale4"})
YES_NO_UNSURE = ("yes", "no", "unsure")
SCALE4 = ("1", "2", "3", "4")
DEFAULT_MAX_LENGTH = {"text": 500, "textarea": 4000, "url": 500}


class BankError(ValueError):
    """A question bank file that breaks the rules."""


@dataclass(frozen=True)
class Option:
    value: str
    label: dict[str, str]
    weight: int


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: dict[str, str]
    section: str = ""
    required: bool = False
    public: bool = False
    scoring: str = "none"
    help: dict[str, str] | None = None
    options: tuple[Option, ...] = ()
    show_if: dict | None = None
    questions: tuple[Question, ...] = ()
    max_length: int | None = None
    min: float | None = None
    max: float | None = None

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(option.value for option in self.options)

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    @property
    def length_limit(self) -> int | None:
        return self.max_length or DEFAULT_MAX_LENGTH.get(self.type)


@dataclass(frozen=True)
class Section:
    id: str
    title: dict[str, str]
    intro: dict[str, str] | None = None


@dataclass(frozen=True)
class Bank:
    id: str
    version: int
    weights_version: str
    title: dict[str, str]
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    by_id: dict[str, Question] = field(repr=False, compare=False, hash=False)

    def section_questions(self, section_id: str) -> list[Question]:
        return [q for q in self.questions if q.section == section_id]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


def _question(data: dict) -> Question:
    return Question(
        id=data["id"],
        type=data["type"],
        text=data["text"],
        section=data.get("section", ""),
        required=data.get("required", False),
        public=data.get("public", False),
        scoring=data.get("scoring", "none"),
        help=data.get("help"),
        options=tuple(Option(o["value"], o["label"], o["weight"]) for o in data.get("options", [])),
        show_if=data.get("show_if"),
        questions=tuple(_question(sub) for sub in data.get("questions", [])),
        max_length=data.get("max_length"),
        min=data.get("min"),
        max=data.get("max"),
    )


def _condition_problems(condition: dict, known: dict[str, Question]) -> list[str]:
    if "all_of" in condition or "any_of" in condition:
        parts = condition.get("all_of") or condition.get("any_of")
        return [p for part in parts for p in _condition_problems(part, known)]
    target = known.get(condition["question"])
    if target is None:
        return [f"condition on unknown or later question {condition['question']}"]
    values = condition["value"] if isinstance(condition["value"], list) else [condition["value"]]
    if target.options:
        wrong = [v for v in values if v not in target.option_values]
        if wrong:
            return [f"condition on {target.id} uses unknown values {wrong}"]
    return []


def _semantic_problems(bank: Bank) -> list[str]:
    problems = []
    sections = {s.id for s in bank.sections}
    seen: dict[str, Question] = {}
    for question in bank.questions:
        if question.id in seen:
            problems.append(f"duplicate id {question.id}")
        if question.section not in sections:
            problems.append(f"{question.id}: unknown section {question.section!r}")
        elif not question.id.startswith(question.section + "."):
            problems.append(f"{question.id}: id does not start with its section")
        for q in (question, *question.questions):
            if q.type == "yes_no_unsure" and set(q.option_values) != set(YES_NO_UNSURE):
                problems.append(f"{q.id}: yes_no_unsure needs exactly yes, no, unsure")
            if q.type == "scale4" and q.option_values != SCALE4:
                problems.append(f"{q.id}: scale4 needs exactly 1, 2, 3, 4")
            if len(set(q.option_values)) != len(q.options):
                problems.append(f"{q.id}: duplicate option values")
        sub_ids = [sub.id for sub in question.questions]
        if len(set(sub_ids)) != len(sub_ids):
            problems.append(f"{question.id}: duplicate sub-question ids")
        if question.show_if:
            problems += [f"{question.id}: {p}" for p in _condition_problems(question.show_if, seen)]
        seen[question.id] = question
    return problems


@cache
def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def parse_bank(data: dict) -> Bank:
    """Validate raw bank data (schema and cross-references) and build the Bank."""
    try:
        jsonschema.validate(data, _schema())
    except jsonschema.ValidationError as error:
        location = "/".join(str(p) for p in error.absolute_path)
        raise BankError(f"{location or 'bank'}: {error.message}") from error
    questions = tuple(_question(q) for q in data["questions"])
    bank = Bank(
        id=data["id"],
        version=data["version"],
        weights_version=data["weights_version"],
        title=data["title"],
        sections=tuple(Section(s["id"], s["title"], s.get("intro")) for s in data["sections"]),
        questions=questions,
        by_id={q.id: q for q in questions},
    )
    problems = _semantic_problems(bank)
    if problems:
        raise BankError("; ".join(problems))
    return bank


def load_file(path: Path) -> Bank:
    return parse_bank(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def all_banks() -> dict[tuple[str, int], Bank]:
    banks = {}
    for path in sorted(BANK_DIR.glob("*.yaml")):
        bank = load_file(path)
        banks[(bank.id, bank.version)] = bank
    return banks


def get_bank(bank_id: str, version: int) -> Bank:
    return all_banks()[(bank_id, version)]


def current_bank(bank_id: str = "uthiek") -> Bank:
    versions = [b for (i, _v), b in all_banks().items() if i == bank_id]
    if not versions:
        raise BankError(f"no question bank {bank_id!r} in {BANK_DIR}")
    return max(versions, key=lambda b: b.version)
