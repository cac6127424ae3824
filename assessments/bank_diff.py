"""What changed between two versions of a question bank, for the owner of a re-assessment.

`bank_diff(old, new)` is pure: it compares two loaded banks and lists the sections,
questions, sub-questions and options that were added, the texts that changed (question
text, help, option labels, section titles) and anything removed (banks should only add;
removals are listed so a mistake shows instead of vanishing). `previous_bank(assessment)`
names the bank an assessment's last submitted version was answered on, when that differs
from the bank it is on now: then the overview shows what changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assessments.bank import Bank, Question, get_bank


@dataclass(frozen=True)
class Change:
    """One change. `question_id` is the top-level question it concerns (None for a
    section), `sub_id` a sub-question of a group, `option` an option value, `what` one of
    "section", "question", "sub_question", "option", "text", "help", "label", "title"."""

    kind: str  # "added", "changed" or "removed"
    what: str
    section_id: str
    question_id: str | None = None
    sub_id: str | None = None
    option: str | None = None


@dataclass(frozen=True)
class BankDiff:
    old: Bank
    new: Bank
    changes: tuple[Change, ...] = field(default_factory=tuple)

    def of_kind(self, kind: str, what: str | None = None) -> list[Change]:
        return [c for c in self.changes if c.kind == kind and (what is None or c.what == what)]

    @property
    def added_sections(self) -> list[Change]:
        return self.of_kind("added", "section")

    @property
    def added_questions(self) -> list[Change]:
        return self.of_kind("added", "question")

    @property
    def added_sub_questions(self) -> list[Change]:
        return self.of_kind("added", "sub_question")

    @property
    def added_options(self) -> list[Change]:
        return self.of_kind("added", "option")

    @property
    def changed_texts(self) -> list[Change]:
        return self.of_kind("changed")

    @property
    def removed(self) -> list[Change]:
        return self.of_kind("removed")

    def by_section(self) -> list[tuple[str, list[Change]]]:
        """Changes grouped by section, in the new bank's section order."""
        order = [s.id for s in self.new.sections] + [
            s.id for s in self.old.sections if self.new.section(s.id) is None
        ]
        groups: dict[str, list[Change]] = {section_id: [] for section_id in order}
        for change in self.changes:
            groups.setdefault(change.section_id, []).append(change)
        return [(section_id, items) for section_id, items in groups.items() if items]

    def __bool__(self) -> bool:
        return bool(self.changes)


def _option_changes(
    old: Question, new: Question, section_id: str, question_id: str, sub_id: str | None
) -> list[Change]:
    changes = []
    old_options = {o.value: o for o in old.options}
    new_values = {o.value for o in new.options}
    for option in new.options:
        before = old_options.get(option.value)
        if before is None:
            changes.append(Change("added", "option", section_id, question_id, sub_id, option.value))
        elif before.label != option.label:
            changes.append(
                Change("changed", "label", section_id, question_id, sub_id, option.value)
            )
    changes += [
        Change("removed", "option", section_id, question_id, sub_id, value)
        for value in old_options
        if value not in new_values
    ]
    return changes


def _question_changes(old: Question, new: Question, section_id: str) -> list[Change]:
    qid = new.id
    changes = []
    if old.text != new.text:
        changes.append(Change("changed", "text", section_id, qid))
    if old.help != new.help:
        changes.append(Change("changed", "help", section_id, qid))
    changes += _option_changes(old, new, section_id, qid, None)
    old_subs = {sub.id: sub for sub in old.questions}
    new_sub_ids = {sub.id for sub in new.questions}
    for sub in new.questions:
        before = old_subs.get(sub.id)
        if before is None:
            changes.append(Change("added", "sub_question", section_id, qid, sub.id))
            continue
        if before.text != sub.text:
            changes.append(Change("changed", "text", section_id, qid, sub.id))
        if before.help != sub.help:
            changes.append(Change("changed", "help", section_id, qid, sub.id))
        changes += _option_changes(before, sub, section_id, qid, sub.id)
    changes += [
        Change("removed", "sub_question", section_id, qid, sub_id)
        for sub_id in old_subs
        if sub_id not in new_sub_ids
    ]
    return changes


def bank_diff(old: Bank, new: Bank) -> BankDiff:
    """Everything `new` adds to, changes in or removes from `old`, in the new bank's order."""
    changes: list[Change] = []
    for section in new.sections:
        before = old.section(section.id)
        if before is None:
            changes.append(Change("added", "section", section.id))
        elif before.title != section.title:
            changes.append(Change("changed", "title", section.id))
    for question in new.questions:
        before = old.by_id.get(question.id)
        if before is None:
            changes.append(Change("added", "question", question.section, question.id))
        else:
            changes += _question_changes(before, question, question.section)
    changes += [
        Change("removed", "question", q.section, q.id)
        for q in old.questions
        if q.id not in new.by_id
    ]
    changes += [
        Change("removed", "section", s.id) for s in old.sections if new.section(s.id) is None
    ]
    return BankDiff(old=old, new=new, changes=tuple(changes))


def previous_bank(assessment) -> Bank | None:
    """The bank the last submitted version was answered on, when the assessment has since
    moved to a newer version of that bank (a re-assessment); otherwise None."""
    versions = list(assessment.versions or ())
    if not versions:
        return None
    last = versions[-1]
    if last.bank_id != assessment.bank_id or last.bank_version >= assessment.bank_version:
        return None
    return get_bank(last.bank_id, last.bank_version)


def changes_for(assessment) -> BankDiff | None:
    """What changed in the question bank since the assessment's last submitted version."""
    old = previous_bank(assessment)
    if old is None:
        return None
    return bank_diff(old, get_bank(assessment.bank_id, assessment.bank_version))


@dataclass(frozen=True)
class SummaryItem:
    """One line of the overview's panel: `kind` is "question" (a new question),
    "sub_questions" (new fields in each row of a group), "options" (new choices),
    "wording" (question text, help or option labels reworded) or "removed"; `question_id`
    is the question to link to (None for a section); `labels` the new fields or choices."""

    kind: str
    question_id: str | None
    text: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectionSummary:
    section_id: str
    title: str
    new_section: bool
    items: tuple[SummaryItem, ...]


def _sub(question: Question | None, sub_id: str | None) -> Question | None:
    if question is None or sub_id is None:
        return question
    return next((s for s in question.questions if s.id == sub_id), None)


def summary(diff: BankDiff, lang: str) -> list[SectionSummary]:
    """The diff as the owner reads it: per section, in the new bank's order, one line per
    new question, per group with new row fields, per question with new choices, and per
    reworded question (text, help or labels together)."""
    result = []
    for section_id, changes in diff.by_section():
        section = diff.new.section(section_id) or diff.old.section(section_id)
        lines: dict[tuple, tuple[str, str | None, str, list[str]]] = {}
        for change in changes:
            question = diff.new.by_id.get(change.question_id or "")
            if change.what == "section" or (change.what == "title" and question is None):
                if change.kind == "changed":
                    lines[("wording", None)] = ("wording", None, section.title[lang], [])
                continue
            if change.kind == "removed":
                old = diff.old.by_id.get(change.question_id or "")
                text = old.text[lang] if old else change.section_id
                lines[("removed", change.question_id, change.sub_id, change.option)] = (
                    "removed",
                    None,
                    text,
                    [],
                )
            elif change.what == "question":
                lines[("question", question.id)] = (
                    "question",
                    question.id,
                    question.text[lang],
                    [],
                )
            elif change.what == "sub_question":
                key = ("sub_questions", question.id)
                line = lines.setdefault(
                    key, ("sub_questions", question.id, question.text[lang], [])
                )
                line[3].append(_sub(question, change.sub_id).text[lang])
            elif change.what == "option":
                target = _sub(question, change.sub_id)
                key = ("options", question.id, change.sub_id)
                line = lines.setdefault(key, ("options", question.id, target.text[lang], []))
                line[3].append(target.option(change.option).label[lang])
            else:
                lines.setdefault(
                    ("wording", question.id), ("wording", question.id, question.text[lang], [])
                )
        items = tuple(
            SummaryItem(kind, question_id, text, tuple(labels))
            for kind, question_id, text, labels in lines.values()
        )
        new_section = any(c.what == "section" and c.kind == "added" for c in changes)
        result.append(SectionSummary(section_id, section.title[lang], new_section, items))
    return result
