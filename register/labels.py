"""User-facing labels for register fields and values (English ids, Dutch catalog)."""

from __future__ import annotations

import datetime as dt
import functools
import re

from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from register.glossary import dutch_suggestions
from register.standard import HTML_FIELDS, is_web_address, sanitize_html

FIELD_LABELS = {
    "name": _l("Name"),
    "description_short": _l("Short description"),
    "organization": _l("Organisation"),
    "department": _l("Department"),
    "category": _l("Theme"),
    "status": _l("Status"),
    "begin_date": _l("In use since"),
    "end_date": _l("In use until"),
    "contact_email": _l("Contact"),
    "website": _l("Page about this process"),
    "publication_category": _l("Publication category"),
    "url": _l("Link to the source registration"),
    "goal": _l("Goal and impact"),
    "proportionality": _l("Considerations"),
    "human_intervention": _l("Human intervention"),
    "risks": _l("Risk management"),
    "lawful_basis": _l("Legal basis"),
    "lawful_basis_grouping": _l("Laws and regulations"),
    "process_index_url": _l("Link to the register of processing activities"),
    "impacttoetsen_grouping": _l("Impact assessments"),
    "impacttoetsen": _l("Explanation of the impact assessments"),
    "source_data": _l("Data"),
    "source_data_grouping": _l("Data sources"),
    "methods_and_models": _l("Technical working"),
    "provider": _l("Supplier"),
    "publiccode": _l("Source code"),
    "lang": _l("Language"),
    "standard_version": _l("Version of the publication standard"),
    "source_id": _l("Source ID"),
    "tags": _l("Search terms"),
    "objection_procedure": _l("Objection and appeal"),
    "monitoring": _l("Monitoring"),
    "performance": _l("Performance and error rates"),
    "withheld_reason": _l("Information that is not public, and why"),
    "eu_database_url": _l("Entry in the EU database for AI systems"),
    "fria_summary": _l("Summary of the fundamental rights impact assessment (FRIA)"),
    "dpia_summary": _l("Summary of the data protection impact assessment (DPIA)"),
}

VALUE_LABELS = {
    # status
    "In ontwikkeling": _l("In development"),
    "In gebruik": _l("In use"),
    "Buiten gebruik": _l("No longer in use"),
    # publication category
    "Hoog-risico AI-systeem": _l("High-risk AI system"),
    "Impactvolle algoritmes": _l("Impactful algorithms"),
    "Overige algoritmes": _l("Other algorithms"),
    # themes
    "Organisatie en bedrijfsvoering": _l("Organisation and operations"),
    "Cultuur en recreatie": _l("Culture and recreation"),
    "Economie": _l("Economy"),
    "Overheidsfinanciën": _l("Public finance"),
    "Wonen": _l("Housing"),
    "Internationaal": _l("International"),
    "Migratie en integratie": _l("Migration and integration"),
    "Natuur en milieu": _l("Nature and environment"),
    "Onderwijs en wetenschap": _l("Education and science"),
    "Openbare orde en veiligheid": _l("Public order and safety"),
    "Recht": _l("Law"),
    "Ruimte en infrastructuur": _l("Spatial planning and infrastructure"),
    "Sociale zekerheid": _l("Social security"),
    "Verkeer": _l("Traffic"),
    "Werk": _l("Work"),
    "Zorg en gezondheid": _l("Care and health"),
}

FACET_LABELS = {
    "status": _l("Status"),
    "publication_category": _l("Publication category"),
    "department": _l("Department"),
    "theme": _l("Theme"),
    "risk_level": _l("Risk level"),
}

SORT_LABELS = {
    "relevance": _l("Best match"),
    "name": _l("Name (A-Z)"),
    "recent": _l("Recently changed"),
}

# The entry page follows the national standard's sections.
SECTIONS = (
    (
        "general",
        _l("General information"),
        (
            "organization",
            "department",
            "category",
            "status",
            "begin_date",
            "end_date",
            "publication_category",
            "website",
            "url",
        ),
    ),
    (
        "responsible-use",
        _l("Responsible use"),
        (
            "goal",
            "proportionality",
            "human_intervention",
            "risks",
            "lawful_basis",
            "lawful_basis_grouping",
            "process_index_url",
            "impacttoetsen_grouping",
            "impacttoetsen",
            "dpia_summary",
            "fria_summary",
            "eu_database_url",
        ),
    ),
    (
        "working",
        _l("How it works"),
        (
            "source_data",
            "source_data_grouping",
            "methods_and_models",
            "performance",
            "monitoring",
            "provider",
            "publiccode",
            "withheld_reason",
        ),
    ),
)


# Titles the register writes into entries itself (the national field stays as delivered).
VALUE_LABELS_WRITTEN_BY_US = {
    "Utrecht Uthiek Assessment": _l("Uthiek assessment of the municipality of Utrecht"),
}


def value_label(value) -> str:
    if value not in VALUE_LABELS and value not in VALUE_LABELS_WRITTEN_BY_US:
        return str(value)
    return _label_in(str(get_locale()), value)


@functools.cache  # bounded: the values above, once per language
def _label_in(_locale: str, value: str) -> str:
    # Translating a lazy label costs more than the rest of a list card; each is done once.
    label = VALUE_LABELS.get(value) or VALUE_LABELS_WRITTEN_BY_US.get(value)
    return str(label) if label is not None else str(value)


def risk_level_label(level) -> str:
    return str(_l("Level %(level)s", level=level))


RISK_LEVEL_NAMES = {1: _l("low"), 2: _l("medium"), 3: _l("high"), 4: _l("very high")}
# One sentence per level for residents (B1); /risiconiveaus explains what each demands.
RISK_LEVEL_MEANINGS = {
    1: _l("The algorithm has little effect on residents."),
    2: _l("The algorithm can have noticeable effects on residents."),
    3: _l(
        "The algorithm can affect residents considerably, so the whole sounding board reviewed it."
    ),
    4: _l(
        "The algorithm can have serious effects on residents, so the whole sounding board "
        "reviewed it with extra care."
    ),
}


def risk_level_sentence(level) -> str:
    """'Risk level: low (1 of 4)' in the reader's language."""
    name = RISK_LEVEL_NAMES.get(level)
    if name is None:
        return risk_level_label(level)
    return str(_l("Risk level: %(name)s (%(level)s of 4)", name=name, level=level))


def risk_level_meaning(level) -> str:
    meaning = RISK_LEVEL_MEANINGS.get(level)
    return str(meaning) if meaning is not None else ""


_TAG = re.compile(r"(<[^>]*>)")
_CONTACT = re.compile(
    r"(?P<url>\bhttps?://[^\s<>\"']+|\bwww\.[^\s<>\"']+)"
    r"|(?P<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<phone>(?<![\w+])(?:\+|\()?\d[\d ().-]{3,16}\d(?!\w))"
)
_TRAILING = ".,;:!?)"


def _phone_target(text: str) -> str | None:
    """A Dutch phone number as a tel: target, or None for other digit runs (dates, amounts)."""
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and digits.startswith("31") and len(digits) == 11:
        return "+" + digits
    if digits.startswith("0") and len(digits) == 10 and not re.search(r"\d[.-]\d{2}[.-]\d", text):
        return "+31" + digits[1:]
    if digits == "14030":  # the municipality's short number, "14 030"
        return "14030"
    return None


def _link_text(text: str) -> str:
    def link(match: re.Match) -> str:
        found = match.group(0)
        if match.group("phone"):
            target = _phone_target(found)
            return f'<a class="utrecht-link" href="tel:{target}">{found}</a>' if target else found
        trailing = ""
        while found and found[-1] in _TRAILING:
            found, trailing = found[:-1], found[-1] + trailing
        if match.group("email"):
            mailto = f'<a class="utrecht-link utrecht-link--mailto" href="mailto:{found}">'
            return f"{mailto}{found}</a>{trailing}"
        href = found if found.startswith("http") else "https://" + found
        return f'<a class="utrecht-link" href="{href}" rel="noopener">{found}</a>{trailing}'

    return _CONTACT.sub(link, text)


def link_contacts(value: str) -> Markup:
    """Sanitised HTML with web addresses, e-mail addresses and phone numbers made links.

    The standard's HTML has no links, so they are added here, on output only: the text is
    sanitised first, and each link is built from matched text that holds no quote or angle
    bracket.
    """
    parts, inside_link = [], 0
    for part in _TAG.split(sanitize_html(value or "")):
        if part.startswith("<"):
            name = part[1:].lstrip("/").split(None, 1)
            if name and name[0].rstrip(">").lower() == "a":
                inside_link += -1 if part.startswith("</") else 1
            parts.append(part)
        else:
            parts.append(part if inside_link > 0 else _link_text(part))
    return Markup("".join(parts))  # noqa: S704 - sanitised text plus links built above


def clean_html(value: str) -> Markup:
    return Markup(sanitize_html(value or ""))  # noqa: S704 - sanitised by the allowlist just now


ASSESSMENT_STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "in_review": _l("In review"),
    "changes_requested": _l("Changes requested"),
    "awaiting_decision": _l("Waiting for the director's decision"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}


def status_label(status: str) -> str:
    label = ASSESSMENT_STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def role_label(role: str) -> str:
    from portal.auth.forms import ROLE_LABELS

    return str(ROLE_LABELS.get(role, role))


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


def format_month(value: str) -> str:
    """'2021-03' as 'maart 2021' (or 'March 2021')."""
    try:
        month = dt.date.fromisoformat(value + "-01")
    except (TypeError, ValueError):
        return value or ""
    return format_date(month, "MMMM y")


def filled_fields(entry: dict) -> set[str]:
    return {name for name, value in entry.items() if value}


DECISION_LABELS = {
    "approve": _l("Approve"),
    "approve_with_conditions": _l("Approve with conditions"),
    "changes_requested": _l("Request changes"),
    "reject": _l("Reject"),
}
ADVICE_LABELS = {
    "agree": _l("Agree"),
    "agree_with_conditions": _l("Agree with conditions"),
    "disagree": _l("Disagree"),
}
CHANGE_LABELS = {
    "added": _l("new in this version"),
    "removed": _l("removed in this version"),
    "changed": _l("changed in this version"),
}


def init_app(app) -> None:
    app.jinja_env.filters["value_label"] = value_label
    app.jinja_env.filters["field_label"] = field_label
    app.jinja_env.filters["clean_html"] = clean_html
    app.jinja_env.filters["link_contacts"] = link_contacts
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.tests["web_address"] = is_web_address
    app.jinja_env.globals.update(
        FIELD_LABELS=FIELD_LABELS,
        FACET_LABELS=FACET_LABELS,
        SORT_LABELS=SORT_LABELS,
        SECTIONS=SECTIONS,
        DECISION_LABELS=DECISION_LABELS,
        ADVICE_LABELS=ADVICE_LABELS,
        CHANGE_LABELS=CHANGE_LABELS,
        HTML_FIELDS=HTML_FIELDS,
        format_month=format_month,
        format_date=format_date,
        format_datetime=format_datetime,
        filled_fields=filled_fields,
        risk_level_sentence=risk_level_sentence,
        dutch_suggestions=dutch_suggestions,
        risk_level_meaning=risk_level_meaning,
    )
