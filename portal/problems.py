"""What a rule found: a stable code with parameters, translated only where it is shown.

Rule modules (register.standard, the register fields of an assessment, accounts) return a
`Problem`: it *is* its English text (so logs, the CLI, the import report and the API's
`fields` keep working with plain strings) and it carries `code`, `template` and `params`,
so a view or mail can show it in the reader's language with `translate`.

Each rule module lists its codes in an Enum and its English templates in a dict keyed by
them; the templates are English msgids, marked with `N_` so `pybabel extract` finds them
(N_ is one of Babel's default keywords). `RULE_MODULES` names those modules for the test
that checks every code has an English text and a Dutch translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

# Modules with `PROBLEM_CODES` (an Enum) and `PROBLEM_TEXTS` ({code: English template}).
RULE_MODULES = (
    "register.standard",
    "register.operations",
    "portal.auth.operations",
    "assessments.level_requirements",
)


def N_(text: str) -> str:  # noqa: N802 - Babel's extraction keyword for "translate later"
    """Marks an English msgid for extraction; returns it unchanged."""
    return text


class Problem(str):
    """A rule's finding. The string value is the English text; `translate` gives the
    reader's language."""

    code: str
    template: str
    params: dict

    def __new__(cls, code: Enum, template: str, **params) -> Problem:
        value = super().__new__(cls, template % params if params else template)
        value.code = str(code.value)
        value.template = template
        value.params = params
        return value

    def __reduce__(self):  # copies and pickles keep the code
        return (_rebuild, (self.code, self.template, self.params))


def _rebuild(code: str, template: str, params: dict) -> Problem:
    value = str.__new__(Problem, template % params if params else template)
    value.code, value.template, value.params = code, template, params
    return value


def problem(texts: Mapping[Enum, str], code: Enum, **params) -> Problem:
    """The Problem for `code` with its module's English template."""
    return Problem(code, texts[code], **params)


def translate(value) -> str:
    """The text of a Problem in the current locale; any other value as it is (messages
    that were translated where they were made, such as the question bank's)."""
    if isinstance(value, Problem):
        from flask_babel import gettext

        if value.params:
            return gettext(value.template, **value.params)
        return gettext(value.template)
    return value


def translate_all(problems: Mapping[str, object]) -> dict[str, str]:
    """{field: problem} with every problem in the current locale."""
    return {field: translate(value) for field, value in problems.items()}
