"""Answers as people read them: option labels instead of codes, groups as rows.

Shared by the review page, the diff and the PDF record, so each shows an answer the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessments.bank import Bank, Question
from assessments.conditions import shown_questions
from assessments.forms import field_name


def answer_text(question: Question, value, lang: str) -> str:
    if value is None or value == "" or value == []:
        return ""
    labels = {o.value: o.label.get(lang) or o.value for o in question.options}
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if isinstance(value, bool):
        return {"nl": "ja", "en": "yes"}[lang] if value else {"nl": "nee", "en": "no"}[lang]
    return labels.get(str(value), str(value))


@dataclass
class AnswerView:
    question: Question
    text: str  # scalar answers
    rows: list[list[str]]  # group answers: one list of cell texts per row
    headers: list[str]
    change: str = ""  # added / removed / changed against the previous version
    previous_text: str = ""  # the previous version's answer, for changed scalar answers


def section_answers(
    bank: Bank,
    answers: dict,
    lang: str,
    *,
    public_only: bool = False,
    changes: dict[str, str] | None = None,
    previous_answers: dict | None = None,
) -> list[tuple]:
    """[(section, [AnswerView, ...]), ...] for the questions that apply to these answers."""
    shown = {q.id for q in shown_questions(bank.questions, answers)}
    result = []
    for section in bank.sections:
        views = []
        for question in bank.questions:
            if question.section != section.id or question.id not in shown:
                continue
            if public_only and not question.public:
                continue
            value = answers.get(question.id)
            rows, headers = [], []
            if question.type == "group":
                headers = [sub.text[lang] for sub in question.questions]
                for row in value or []:
                    if isinstance(row, dict):
                        rows.append(
                            [answer_text(sub, row.get(sub.id), lang) for sub in question.questions]
                        )
                text = ""
            else:
                text = answer_text(question, value, lang)
            change = (changes or {}).get(question.id, "")
            previous = ""
            if change and question.type != "group" and previous_answers is not None:
                previous = answer_text(question, previous_answers.get(question.id), lang)
            views.append(AnswerView(question, text, rows, headers, change, previous))
        if views:
            result.append((section, views))
    return result


@dataclass
class SectionPage:
    """What one questionnaire section shows, given the answers (saved or as typed)."""

    questions: list[Question]  # every question of the section, in bank order
    shown_ids: set[str]  # those whose conditions hold; the others start hidden
    # Answers from other sections that conditions on this page may refer to.
    visible_elsewhere: dict


def section_page(bank: Bank, section_id: str, answers: dict) -> SectionPage:
    shown = shown_questions(bank.questions, answers)
    return SectionPage(
        questions=[q for q in bank.questions if q.section == section_id],
        shown_ids={q.id for q in shown},
        visible_elsewhere={
            q.id: answers[q.id] for q in shown if q.section != section_id and q.id in answers
        },
    )


def next_section_id(bank: Bank, section_id: str) -> str | None:
    """The section after `section_id`, or None after the last one."""
    ids = [s.id for s in bank.sections]
    position = ids.index(section_id)
    return ids[position + 1] if position + 1 < len(ids) else None


# ---------------------------------------------------------------------------------------
# The questionnaire pages: anchors, error summary, progress, risk panel, what is missing.
# Plain functions; templates build the URLs from the section ids and anchors given here.


def field_id(name: str) -> str:
    """The HTML id of a form field (`forms.field_name` with dots replaced)."""
    return name.replace(".", "_")


def row_anchor(question_id: str, row: int) -> str:
    """The id of one row of a repeatable group on its section page."""
    return f"row-{field_id(question_id)}-{row}"


def question_anchor(question_id: str) -> str:
    return f"question-{question_id}"


def input_anchor(question: Question, name: str) -> str:
    """The id of the element a link to this question's field should land on: the field
    itself, the first option of a choice, the group's fieldset."""
    base = field_id(name)
    if question.type == "group":
        return base
    if question.options and question.type != "boolean":
        return f"{base}-{question.options[0].value}"
    return base


@dataclass(frozen=True)
class AnswerKey:
    """A key of an error or a missing answer: `q`, `q[2]` or `q[2].sub` (0-based row)."""

    question_id: str
    row: int | None = None
    sub_id: str | None = None


def parse_key(key: str) -> AnswerKey:
    question_id, _sep, rest = key.partition("[")
    if not rest:
        return AnswerKey(question_id)
    index, _sep, tail = rest.partition("]")
    row = int(index) if index.isascii() and index.isdigit() else None
    sub_id = tail[1:] if tail.startswith(".") and tail[1:] else None
    return AnswerKey(question_id, row, sub_id)


@dataclass(frozen=True)
class Target:
    """Where an item links to: a section page and an anchor on it, with a readable name."""

    section_id: str
    anchor: str
    label: str


def target_of(bank: Bank, key: str, lang: str, row_word: str = "") -> Target | None:
    """The question (and row, and field of the row) behind a key; None when the bank has
    no such question. `row_word` is the translated "row %(number)s" pattern."""
    parsed = parse_key(key)
    question = bank.by_id.get(parsed.question_id)
    if question is None:
        return None
    label = question.text.get(lang) or question.id
    if parsed.row is None:
        anchor = (
            question_anchor(question.id)
            if question.type == "group"
            else input_anchor(question, field_name(question.id))
        )
        return Target(question.section, anchor, label)
    if row_word:
        label = f"{label}, {row_word % {'number': parsed.row + 1}}"
    sub = next((s for s in question.questions if s.id == parsed.sub_id), None)
    if sub is None:
        return Target(question.section, row_anchor(question.id, parsed.row), label)
    label = f"{label}: {sub.text.get(lang) or sub.id}"
    return Target(
        question.section, input_anchor(sub, field_name(question.id, parsed.row, sub.id)), label
    )


@dataclass(frozen=True)
class ErrorLink:
    anchor: str
    label: str
    message: str


def error_summary(bank: Bank, errors: dict[str, str], lang: str, row_word: str) -> list[ErrorLink]:
    """One line per error, in bank order, naming the question and linking to its field."""
    order = {q.id: position for position, q in enumerate(bank.questions)}
    links = []
    for key, message in errors.items():
        target = target_of(bank, key, lang, row_word)
        if target is None:
            links.append((len(order), ErrorLink("", "", str(message))))
        else:
            position = order.get(parse_key(key).question_id, len(order))
            links.append((position, ErrorLink(target.anchor, target.label, str(message))))
    links.sort(key=lambda item: item[0])
    return [link for _position, link in links]


def split_errors(errors: dict[str, str]) -> set[str]:
    """The question ids that have an error (a group with one bad cell counts whole)."""
    return {parse_key(key).question_id for key in errors}


@dataclass(frozen=True)
class SectionProgress:
    id: str
    title: str
    answered: int
    required: int

    @property
    def done(self) -> bool:
        return self.answered >= self.required


def section_progress(bank: Bank, completeness: dict, lang: str) -> list[SectionProgress]:
    sections = completeness.get("sections") or {}
    return [
        SectionProgress(
            s.id,
            s.title.get(lang) or s.id,
            (sections.get(s.id) or {}).get("answered", 0),
            (sections.get(s.id) or {}).get("required", 0),
        )
        for s in bank.sections
    ]


CORE_SECTION = "core"


def determinable(risk: dict, completeness: dict) -> bool:
    """Whether the risk level can be told yet: the scoring says so (bank 2), else every
    required question of the core section is answered."""
    if "determinable" in risk:
        return bool(risk["determinable"])
    core = (completeness.get("sections") or {}).get(CORE_SECTION)
    if not core:
        return True
    return core.get("answered", 0) >= core.get("required", 0)


# Bank 1's rules name no question; the question each is about, for the link.
RULE_QUESTIONS = {
    "direct_ground": "discrimination.direct_grounds",
    "risk_profiling": "core.risk_profiling",
    "source_without_basis": "provenance.sources",
    "special_categories": "privacy.special_categories",
    "automated_legal_effect": "oversight.legal_effect",
    "polluted_without_filter": "provenance.sources",
    "group_outcome_flagged": "discrimination.group_outcomes",
}


def _rule_rows(rule_id: str, answers: dict) -> list[int]:
    """Bank 1: the source rows a source rule fired on (bank 2 rules carry their row)."""
    rows = answers.get("provenance.sources")
    if not isinstance(rows, list):
        return []
    found = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        if rule_id == "source_without_basis" and (
            not str(row.get("legal_basis") or "").strip()
            or row.get("agreement") in (None, "", "none")
        ):
            found.append(index)
        if (
            rule_id == "polluted_without_filter"
            and row.get("pollution_risk") in ("yes", "unsure")
            and not str(row.get("pollution_filter") or "").strip()
        ):
            found.append(index)
    return found


@dataclass(frozen=True)
class LinkedItem:
    """A reason, rule, finding or requirement of the risk result, with its link."""

    text: str
    section_id: str | None = None
    anchor: str | None = None
    data: dict | None = None


def _linked(bank: Bank, item: dict, question_id, row) -> LinkedItem:
    question = bank.by_id.get(question_id) if isinstance(question_id, str) else None
    if question is None:
        return LinkedItem(str(item.get("text", "")), data=item)
    if isinstance(row, int) and not isinstance(row, bool) and question.type == "group":
        anchor = row_anchor(question.id, row)
    else:
        anchor = question_anchor(question.id)
    return LinkedItem(str(item.get("text", "")), question.section, anchor, item)


def linked_items(bank: Bank, items, answers: dict, *, rules: bool = False) -> list[LinkedItem]:
    """Items of the risk result with a link to the question (or row) behind each; a rule
    of bank 1 about source rows links to the first row it fired on."""
    linked = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        question_id = item.get("question")
        row = item.get("row")
        if rules and question_id is None:
            question_id = RULE_QUESTIONS.get(str(item.get("id")))
            rows = _rule_rows(str(item.get("id")), answers)
            row = rows[0] if rows else None
        linked.append(_linked(bank, item, question_id, row))
    return linked


@dataclass(frozen=True)
class LevelExplanation:
    determinable: bool
    lifted: bool
    band_level: int | None
    lifting_rule: str | None  # the text of the rule that sets the level


def explain_level(risk: dict, completeness: dict) -> LevelExplanation:
    band_level = risk.get("band_level")
    level = risk.get("level")
    lifted = bool(
        risk.get("lifted_by_rule")
        if "lifted_by_rule" in risk
        else isinstance(band_level, int) and isinstance(level, int) and level > band_level
    )
    lifting = None
    if lifted:
        candidates = [
            r
            for r in risk.get("rules") or []
            if isinstance(r, dict) and r.get("min_level") == level
        ]
        if candidates:
            lifting = str(candidates[0].get("text", ""))
    return LevelExplanation(determinable(risk, completeness), lifted, band_level, lifting)


@dataclass
class MissingItem:
    label: str
    anchor: str
    message: str = ""  # why, when it is more than a missing answer


@dataclass
class MissingSection:
    id: str  # a section id, "" for the register fields, "?" for the rest
    title: str
    items: list[MissingItem]


def _reason(value, translate) -> str:
    """The message of a submission problem, or "" for a plain missing answer."""
    if value is None or value == "required" or str(getattr(value, "code", "")) == "required":
        return ""
    return str(translate(value))


def missing_by_section(
    bank: Bank,
    problems,
    lang: str,
    row_word: str,
    register_title: str,
    field_label,
    register_anchor=lambda name: f"f-{name}",
    translate=str,
) -> list[MissingSection]:
    """What still blocks submission, per section in bank order, each item with the anchor
    of its question (register fields: the field on the register page) and, when it is more
    than a missing answer (a finding, a level's demand), the reason. `problems`: the keys
    of `operations.submission_problems`, or the dict itself."""
    values = problems if isinstance(problems, dict) else dict.fromkeys(problems)
    per_section: dict[str, list[MissingItem]] = {}
    register: list[MissingItem] = []
    other: list[MissingItem] = []
    for key, value in values.items():
        reason = _reason(value, translate)
        if key.startswith("algorithm."):
            name = key.removeprefix("algorithm.")
            register.append(MissingItem(str(field_label(name)), register_anchor(name), reason))
            continue
        target = target_of(bank, key.rstrip("+"), lang, row_word)
        if target is None:
            other.append(MissingItem(reason or key, "", ""))
            continue
        per_section.setdefault(target.section_id, []).append(
            MissingItem(target.label, target.anchor, reason)
        )
    result = []
    if register:
        result.append(MissingSection("", register_title, register))
    for section in bank.sections:
        if section.id in per_section:
            result.append(
                MissingSection(
                    section.id, section.title.get(lang) or section.id, per_section[section.id]
                )
            )
    if other:
        result.append(MissingSection("?", "", other))
    return result


@dataclass
class ChangeRequest:
    reviewer: str
    comment: str
    sections: list[tuple[str, str]]  # (section title, motivation) the reviewer disagreed with
    conditions: list[str]


def change_requests(bank: Bank, version, lang: str) -> list[ChangeRequest]:
    """The board's reasons on `version` (the one sent back): each decision that asked for
    changes or disagreed with a section, with its comment and motivations."""
    if version is None:
        return []
    titles = {s.id: s.title.get(lang) or s.id for s in bank.sections}
    requests = []
    for review in version.reviews:
        disagreed = [
            (titles.get(section_id, section_id), str((advice or {}).get("motivation") or ""))
            for section_id, advice in (review.section_advice or {}).items()
            if isinstance(advice, dict) and advice.get("advice") == "disagree"
        ]
        if review.decision != "changes_requested" and not disagreed:
            continue
        requests.append(
            ChangeRequest(
                reviewer=review.reviewer.name if review.reviewer else "",
                comment=review.comment or "",
                sections=disagreed,
                conditions=[
                    str(c.get("text", "")) for c in review.conditions or [] if isinstance(c, dict)
                ],
            )
        )
    return requests
