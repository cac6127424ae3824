"""Demo assessments in every state, made through the real operations (`demo load`).

Fictional like the demo register: names of Utrecht's algorithms, answers written for the demo.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessments import advice, aftercare, board_sessions, operations, records, review
from assessments.bank import Bank, Question, current_bank
from assessments.conditions import shown_questions
from assessments.models import Assessment
from portal.auth import operations as accounts
from portal.db import utcnow
from register import operations as register_operations

GENERIC_TEXT = (
    "Het team heeft dit uitgewerkt in het projectdossier; de kern staat hier kort en in "
    "gewone taal."
)
TEXTS = {
    "core.purpose": "Medewerkers sneller laten zien waar hun inzet het meest nodig is.",
    "core.want_this": "Ja, omdat inwoners er sneller door geholpen worden en niemand er een "
    "nadeel van heeft dat een medewerker niet kan herstellen.",
    "core.explain_to_residents": "Een computer zet meldingen op volgorde. Een medewerker kijkt "
    "altijd zelf en beslist. U kunt altijd bellen of bezwaar maken.",
}
SAFE_SOURCE = {
    "partner": "own_department",
    "dataset": "Meldingen openbare ruimte",
    "data_categories": "Plaats, tijd en soort melding; geen gegevens over de melder.",
    "legal_basis_act": "Gemeentewet",
    "legal_basis_article": "artikel 160",
    "legal_basis_url": "https://wetten.overheid.nl/jci1.3:c:BWBR0005416&artikel=160",
    "legal_basis": "Gemeentewet art. 160 (taak openbare ruimte)",
    "agreement": "processing_agreement",
    "agreement_expires": "2030-12-31",
    "partner_purpose": "Meldingen afhandelen en de openbare ruimte onderhouden.",
    "compatibility": "Hetzelfde doel: de openbare ruimte schoon en heel houden.",
    "collection": "Inwoners melden via de website, de app of 14 030.",
    "retention_partner": "2 jaar",
    "retention_here": "2 jaar",
    "quality_checks": "Maandelijkse steekproef van 50 meldingen",
    "holds_earlier_outcomes": "no",
    "pollution_risk": "no",
    "pollution_filter": "",
    "feeds_back": "no",
}
SIGNAL_SOURCE = {
    "partner": "private_party",
    "dataset": "Signalen betalingsachterstanden",
    "data_categories": "Naam, adres, soort achterstand (huur, energie, water, zorgverzekering) "
    "en hoogte van de achterstand.",
    "legal_basis_act": "Wet gemeentelijke schuldhulpverlening",
    "legal_basis_article": "artikel 3, eerste lid, onder b (met Besluit gemeentelijke "
    "schuldhulpverlening, artikel 2)",
    "legal_basis_url": "https://wetten.overheid.nl/jci1.3:c:BWBR0031164&artikel=3",
    "legal_basis": "De wet verplicht verhuurders en leveranciers om een achterstand te melden, "
    "zodat de gemeente vroeg hulp kan aanbieden.",
    "agreement": "covenant",
    "agreement_expires": "2029-06-30",
    "partner_purpose": "Betalingsachterstanden innen en huisuitzetting of afsluiting voorkomen.",
    "compatibility": "De wet wijst dit gebruik aan: vroeg hulp aanbieden bij schulden.",
    "collection": "De verhuurder of leverancier meldt automatisch na twee maanden achterstand.",
    "retention_partner": "Volgens de eigen bewaartermijn van de partner",
    "retention_here": "Twaalf maanden na het signaal",
    "quality_checks": "Elke week controleert een medewerker of signalen dubbel of verouderd zijn.",
    "holds_earlier_outcomes": "no",
    "pollution_risk": "no",
    "pollution_filter": "",
    "feeds_back": "no",
}
# What every demo assessment says about staff deviating and the register entry's
# "human_intervention" text must agree (tests/test_demo_coherence.py checks both).
LOW_RISK = {
    "core.risk_profiling": "no",
    "core.decision_type": "decision_support",
    "core.output_kind": ["objects_or_places"],
    "core.domain": "public_space",
    "privacy.personal_data": "no",
    "privacy.special_categories": ["none"],
    "discrimination.direct_grounds": ["none"],
    "discrimination.proxies": ["none"],
    "oversight.can_deviate": "yes",
    "oversight.legal_effect": "no",
    "oversight.human_final_decision": "yes",
    "provenance.sources": [SAFE_SOURCE],
    "area.area_focused": "no",
    "ai_act.is_ai_system": "no",
    "ai_act.annex_iii": ["none"],
}
PROFILING = {
    **LOW_RISK,
    "core.risk_profiling": "yes",
    "core.output_kind": ["select_people"],
    "core.domain": "benefits_income",
    "privacy.personal_data": "yes",
    "privacy.dpia_status": "done",
    "privacy.dpia_url": "https://intranet.utrecht.nl/dpia/vroegsignalering",
    "privacy.dpia_dpo_advice_date": "2026-03-12",
    "discrimination.proxies": ["income"],
    "discrimination.group_data_available": "yes",
    "discrimination.group_outcomes": [
        {
            "table": "Wijk, selectie",
            "dimension": "area",
            "stage": "selection",
            "group": "Binnenstad",
            "in_scope": 1200,
            "selected": 96,
            "reference": True,
        },
        {
            "table": "Wijk, selectie",
            "dimension": "area",
            "stage": "selection",
            "group": "Overvecht",
            "in_scope": 900,
            "selected": 81,
        },
        {
            "table": "Wijk, selectie",
            "dimension": "area",
            "stage": "selection",
            "group": "Leidsche Rijn",
            "in_scope": 1100,
            "selected": 77,
        },
    ],
    "provenance.sources": [SIGNAL_SOURCE],
    "data.variables": [
        {
            "name": "Hoogte van de achterstand",
            "source": "Signalen betalingsachterstanden",
            "kind": "registration",
            "use": "selection_criterion",
            "stands_in_for": "none",
            "tested": "correlation",
            "test_result": "Geen samenhang met leeftijd of wijk boven 0,1.",
        },
        {
            "name": "Inkomen",
            "source": "Signalen betalingsachterstanden",
            "kind": "derived",
            "use": "input",
            "stands_in_for": "income_class",
            "tested": "outcome_comparison",
            "test_result": "Lage inkomens krijgen vaker een aanbod; dat is het doel van de wet.",
        },
        {
            "name": "Wijk",
            "source": "Signalen betalingsachterstanden",
            "kind": "registration",
            "use": "evaluation_only",
            "stands_in_for": "ethnicity_origin",
            "tested": "outcome_comparison",
            "test_result": "Alleen om de uitkomsten per wijk te vergelijken; zie de tabel.",
        },
    ],
}
# Overrides per demo assessment, besides LOW_RISK or PROFILING: what each algorithm is.
SLIM_VEGEN = {
    **LOW_RISK,
    "core.output_kind": ["objects_or_places"],
    "core.domain": "public_space",
    "ai_act.is_ai_system": "yes",  # a learning model (gradient boosting), not Annex III
}
FOUNDATIONS = {**LOW_RISK, "core.domain": "service_information"}
CHATBOT = {
    **LOW_RISK,
    "core.decision_type": "informative",
    "core.output_kind": ["general_information"],
    "core.domain": "care_youth",
    "ai_act.is_ai_system": "yes",
}


def _sample(question: Question):
    kind = question.type
    if kind in ("text", "textarea"):
        return TEXTS.get(question.id, GENERIC_TEXT)
    if kind == "yes_no_unsure":
        return "no"
    if kind in ("choice", "scale4"):
        return question.options[0].value
    if kind == "multichoice":
        values = [o.value for o in question.options]
        return ["none"] if "none" in values else values[:1]
    if kind == "number":
        return 1
    if kind == "date":
        return "2027-06-30"
    if kind == "url":
        return "https://www.utrecht.nl/"
    if kind == "group":
        return [{sub.id: _sample(sub) for sub in question.questions if sub.required}]
    return None


def complete_answers(bank: Bank, overrides: dict) -> dict:
    """Every shown required question answered, `overrides` first."""
    answers = dict(overrides)
    for _round in range(5):  # follow-up questions appear as answers arrive
        added = False
        for question in shown_questions(bank.questions, answers):
            if question.required and answers.get(question.id) in (None, "", []):
                answers[question.id] = _sample(question)
                added = True
        if not added:
            break
    return answers


def _register_fields(name: str, existing=None) -> dict:
    base = dict(existing.content) if existing is not None else {}
    return {
        **base,
        "name": name,
        "description_short": base.get("description_short")
        or f"{name}: een hulpmiddel voor medewerkers van de gemeente (demo).",
        "status": base.get("status") or "In ontwikkeling",
        "publication_category": base.get("publication_category") or "Impactvolle algoritmes",
        "contact_email": base.get("contact_email") or "algoritmes@utrecht.nl",
        "objection_procedure": base.get("objection_procedure")
        or "<p>Bent u het niet eens met een besluit? Maak binnen zes weken bezwaar.</p>",
    }


SUSPENDED_SLUG = "toezicht-handhaving-weesfietsen"
SUSPENSION_REASON = (
    "De camera herkende fietsen in een fietsenrek soms als weesfiets. Tot dat is hersteld, "
    "gebruiken we het algoritme niet en kijkt een medewerker zelf."
)
INCIDENT_PUBLIC = "Een straat werd een paar weken overgeslagen. Die staat nu vast op de route."


def _aftercare(session: Session, owner, director, approved: Assessment) -> None:
    """After approval: a monitoring report within its thresholds and a closed incident on
    the approved demo algorithm, and one other entry suspended, through the operations."""
    algorithm = approved.algorithm
    if algorithm is None or director is None:
        return
    today = utcnow().date()
    end = today - dt.timedelta(days=30)
    aftercare.file_report(
        session,
        owner,
        algorithm,
        {
            "period_start": end - dt.timedelta(days=181),
            "period_end": end,
            "group_outcomes": [
                {"table": "Wijk", "group": "Noord", "in_scope": 1200, "selected": 300},
                {"table": "Wijk", "group": "Zuid", "in_scope": 1100, "selected": 280},
            ],
            "override_rate": 0.04,
            "complaints": 2,
            "objections": 0,
            "notes": "Alle wijken zijn ongeveer even vaak geveegd.",
        },
    )
    incident = aftercare.record_incident(
        session,
        owner,
        algorithm,
        {
            "kind": "complaint",
            "occurred_on": today - dt.timedelta(days=60),
            "description": "Een bewoner meldde dat de Kanaalstraat drie weken is overgeslagen.",
            "people_affected": 1,
            "severity": "low",
        },
    )
    session.flush()
    aftercare.update_incident(
        session,
        owner,
        algorithm,
        incident.id,
        {
            "status": "closed",
            "action_taken": "Straat toegevoegd aan de vaste route.",
            "public_description": INCIDENT_PUBLIC,
        },
    )
    suspended = register_operations.get_by_slug(session, SUSPENDED_SLUG)
    if suspended is not None:
        aftercare.suspend(session, director, suspended, {"reason": SUSPENSION_REASON})
    session.flush()


def load(session: Session) -> int:
    """Create the demo assessments when there are none; returns how many were made."""
    if session.scalar(select(func.count()).select_from(Assessment)):
        return 0
    people = {
        key: accounts.get_by_email(session, email)
        for key, email in (
            ("owner", "indiener@demo.utrecht.nl"),
            ("owner2", "indiener2@demo.utrecht.nl"),
            ("board1", "klankbord1@demo.utrecht.nl"),
            ("board2", "klankbord2@demo.utrecht.nl"),
            ("board3", "klankbord3@demo.utrecht.nl"),
            ("privacy", "privacy@demo.utrecht.nl"),
        )
    }
    # The director decides on the board's advice (without one, the quorum decides).
    director = accounts.get_by_email(session, "directeur@demo.utrecht.nl")
    if any(person is None for person in people.values()):
        return 0
    bank = current_bank()
    made = 0

    def start(name, owner="owner", slug=None, answers=None, complete=True):
        nonlocal made
        existing = register_operations.get_by_slug(session, slug) if slug else None
        fields, problems = operations.clean_register_fields(
            _register_fields(name, existing), organization=current_app.config["ORGANIZATION_NAME"]
        )
        if problems:  # demo content is ours; a problem here is a bug
            raise ValueError(f"demo register fields of {name!r}: {problems}")
        assessment = operations.create(session, people[owner], fields)
        if existing is not None:
            assessment.algorithm_id = existing.id
        wanted = complete_answers(bank, answers or {}) if complete else (answers or {})
        operations.update_answers(session, people[owner], assessment, wanted)
        session.flush()
        made += 1
        return assessment

    def submit(assessment, owner="owner"):
        operations.submit(session, people[owner], assessment)
        session.flush()

    # draft, half filled
    start(
        "Slimme route afvalinzameling",
        complete=False,
        answers={"core.purpose": TEXTS["core.purpose"], "core.risk_profiling": "no"},
    )
    # submitted: profiling with personal data, waits for the whole board and privacy
    submit(start("Signalering betalingsachterstanden", answers=PROFILING))
    # in review: one comment, one approval
    in_review = start(
        "Prioriteren meldingen funderingsproblemen",
        slug="prioriteren-meldingen-funderingsproblemen",
        answers=FOUNDATIONS,
    )
    submit(in_review)
    review.add_comment(
        session,
        people["board1"],
        in_review,
        "core.explain_to_residents",
        "Kunt u uitleggen wat een bewoner merkt als de melding laag op de lijst komt?",
    )
    # ... and the board's session with the team, an invited expert and a resident.
    board_sessions.record(
        session,
        people["board1"],
        in_review,
        {
            "held_on": (utcnow().date() - dt.timedelta(days=3)).isoformat(),
            "members": [people["board1"].id, people["board2"].id],
            "participants": [
                {"name": "Team Bouwen en Wonen", "role": "team_member"},
                {"name": "Een funderingsexpert", "role": "invited_expert"},
                {"name": "Een bewoner uit Zuilen", "role": "resident"},
            ],
            "dilemmas": "Wie eerder meldt, komt eerder aan de beurt: is dat eerlijk voor "
            "bewoners die niet weten dat ze kunnen melden?",
            "notes": "De bewoner vertelde dat buren vaak niet weten waar ze moeten melden.",
            "what_changed": "Het team stuurt een brief naar alle huizen in de wijk, niet "
            "alleen naar wie meldde.",
        },
    )
    # changes requested
    sent_back = start("Chatbot Wmo-loket", slug="chatbot-wmo-loket", answers=CHATBOT)
    submit(sent_back)
    review.decide(
        session,
        people["board2"],
        sent_back,
        {
            "decision": "changes_requested",
            "comment": "Beschrijf hoe inwoners die niet digitaal zijn het loket bereiken.",
        },
    )
    # approved with conditions: rendered, stored and published
    approved = start("Slim vegen", slug="slim-vegen", answers=SLIM_VEGEN, owner="owner2")
    submit(approved, owner="owner2")
    review.decide(
        session,
        people["board3"],
        approved,
        {
            "decision": "approve_with_conditions",
            "comment": "Goed uitgewerkt.",
            "conditions": [
                {
                    "text": "Meet na een jaar of alle wijken even vaak geveegd worden.",
                    "owner": "Team Schoon",
                    "deadline": "2027-12-31",
                }
            ],
        },
    )
    if approved.status == "awaiting_decision":
        advice.write_verdict(
            session,
            people["board3"],
            approved,
            {
                "want_this": "Ja. Schone straten in alle wijken, met minder ritten.",
                "explain_to_residents": "Ja: het plan kijkt naar meldingen en weer, "
                "niet naar wie er woont.",
                "advice": "positive_with_conditions",
                "reasons": "Goed uitgewerkt. We willen na een jaar zien dat alle wijken "
                "even vaak aan de beurt zijn.",
            },
        )
        advice.decide_as_director(session, director, approved, {"decision": "adopt"})
    session.flush()
    records.publish_approved(session, people["board3"], approved)
    _aftercare(session, people["owner2"], director, approved)
    # awaiting the director's decision: the board advised positively
    advised = start("Drukte voorspellen Stadskantoor", answers=SLIM_VEGEN, owner="owner2")
    submit(advised, owner="owner2")
    review.decide(session, people["board1"], advised, {"decision": "approve"})
    if advised.status == "awaiting_decision":
        advice.write_verdict(
            session,
            people["board1"],
            advised,
            {
                "want_this": "Ja. Minder lang wachten aan de balie.",
                "explain_to_residents": "Ja: het telt bezoekers, het kijkt niet wie ze zijn.",
                "advice": "positive",
                "reasons": "Geen persoonsgegevens, een medewerker plant de balies.",
            },
        )
    # rejected: a direct ground of nationality, the full board says no
    rejected = start(
        "Risicoscore bijstandsaanvragen",
        answers={
            **PROFILING,
            "discrimination.direct_grounds": ["nationality"],
            "discrimination.statutory_exception": "Het team kent geen wet die dit toestaat.",
            "discrimination.legal_review": "yes",
            "discrimination.legal_review_reference": "Juridische Zaken, advies JZ-2026-017: "
            "geen wettelijke uitzondering.",
        },
    )
    submit(rejected)
    review.decide(
        session,
        people["board1"],
        rejected,
        {"decision": "reject", "comment": "Nationaliteit als kenmerk is niet uit te leggen."},
    )
    if rejected.status == "awaiting_decision":
        advice.write_verdict(
            session,
            people["board1"],
            rejected,
            {
                "want_this": "Nee.",
                "explain_to_residents": "Nee: nationaliteit als kenmerk is niet uit te leggen.",
                "advice": "negative",
                "reasons": "Een score op nationaliteit is discriminatie.",
            },
        )
        advice.decide_as_director(session, director, rejected, {"decision": "adopt"})
    # withdrawn
    withdrawn = start("Automatisch vertalen van brieven", complete=False)
    review.withdraw(session, people["owner"], withdrawn)
    return made
