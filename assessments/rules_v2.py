"""The risk rules of question bank 2 ("uthiek-2.x"): rules a narrow answer cannot dodge. Pure.

One function per rule, each returning what it fired (with the question, and the row of a
repeatable group, it is about). The principles (issue 11, README "Bank 2: the rules"):

- "Unsure" counts as the risky answer for every hard rule until it is answered; a rule that
  fired only because of "unsure" says so and carries `unsure: true`.
- Contradicting answers between sections are findings that block submission until they are
  resolved or explained (a row in `explanations.items` naming the finding's id).
- Points: as bank 1 (assessments/risk_points.py), but a multiple-choice question adds at most
  its two heaviest options, so long option lists do not inflate the maximum, and the bands
  are 20/40/60% of the maximum, so the worst realistic systems reach level 4 on points alone.
"""

from __future__ import annotations

import datetime as dt
import re

from assessments import level_requirements
from assessments.answers import missing_required, processes_personal_data
from assessments.bank import Bank, Question
from assessments.conditions import shown_questions
from assessments.outcomes import analyse_tables
from assessments.risk_points import (
    RiskResult,
    Rule,
    band,
    question_max,
    question_points,
    tally,
    values_of,
)
from assessments.schedule import REASSESSMENT_MONTHS, add_months

WEIGHTS_PREFIX = "uthiek-2."
# Grounds whose use as an input or selection criterion is distinction on race or religion
# (Grondwet art. 1, Awgb; CRM: origin read from country of birth, skin colour or a name).
FORBIDDEN_GROUNDS = (
    "nationality",
    "ethnicity_origin",
    "country_of_birth",
    "skin_colour",
    "name_origin",
    "religion",
)
# Special categories (privacy section) and the grounds (discrimination section) they are.
CATEGORY_GROUNDS = {
    "ethnicity_origin": {
        "ethnicity_origin",
        "nationality",
        "country_of_birth",
        "skin_colour",
        "name_origin",
    },
    "religion": {"religion", "belief"},
    "health": {"disability", "chronic_illness"},
    "genetic": {"disability", "chronic_illness"},
    "political_opinion": {"political_opinion"},
    "sexual_life": {"sexual_orientation"},
}
# Special categories that, processed by a profiling system, count as the ground being used.
PROFILING_GROUND_CATEGORIES = ("ethnicity_origin", "religion")
NOT_SPECIAL = ("none", "bsn")  # BSN is an identifier, not a special category (AVG art. 87)
PEOPLE_OUTPUTS = ("rank_or_score_people", "select_people", "classify_people")
INPUT_USES = ("input", "selection_criterion")
ART5_QUESTIONS = (
    "ai_act.social_scoring",
    "ai_act.crime_prediction_profiling",
    "ai_act.emotion_recognition_work",
    "ai_act.face_scraping",
)
HIGH_RISK_CATEGORY = "Hoog-risico AI-systeem"
NOT_HIGH_RISK = {"nl": "geen hoog-risico AI-systeem", "en": "not a high-risk AI system"}
LAW_SITE = "https://wetten.overheid.nl/"
# A legal basis that names no act a lawyer could look up.
BARE_ACTS = frozenset({"avg", "gdpr", "wet", "de wet", "law", "the law", "wetgeving", "uavg"})
ARTICLE_WORDS = frozenset({"art", "artikel", "article", "lid", "sub", "onder", "juncto"})
LAW_LINK = re.compile(r"https://wetten\.overheid\.nl/\S+", re.IGNORECASE)
# Areas whose share of residents with a migration background lies outside this ratio to the
# city's share "differ markedly" (the same band as the group outcome ratio).
AREA_RATIO_LOW = 0.8
AREA_RATIO_HIGH = 1.25
# Points: a multiple-choice question adds at most its heaviest options, this many.
MULTICHOICE_COUNTED = 2
# Bands on the share of the maximum. The maximum adds every worst answer, also those that
# rarely come together (a forbidden ground and special categories and area targeting and
# an Annex III system): the worst realistic systems in the reference cases score 65-80% of
# it, benign ones under 10%. Bank 1 used 25/50/75%.
BANDS_V2 = ((0.20, 1), (0.40, 2), (0.60, 3))
# Words in a source's data categories that name persons (personal data "no" cross-check).
PERSON_WORDS = re.compile(
    r"\b(bsn|burgerservicenummer|naam|namen|adres|adressen|geboortedatum|inwoner\w*|"
    r"persoon\w*|klant\w*|cliënt\w*|client\w*|huishoud\w*|aanvrager\w*|leerling\w*|"
    r"student\w*|name|names|address\w*|birth|person\w*|resident\w*|household\w*|"
    r"applicant\w*|pupil\w*)\b",
    re.IGNORECASE,
)
# Variable names that are a forbidden ground (the worksheet's own words).
GROUND_NAMES = re.compile(
    r"(nationalit\w*|geboorteland\w*|land van (herkomst|geboorte)|\bherkomst\b|\bafkomst\b|"
    r"etni\w*|ethnic\w*|migratieachtergrond|migration background|huidskleur|skin colou?r|"
    r"religi\w*|godsdienst\w*|\bgeloof\b|country of (birth|origin))",
    re.IGNORECASE,
)
UNSURE_NOTE = {
    "nl": "'Weet niet' telt als 'ja' tot het is beantwoord.",
    "en": "Unsure counts as yes until resolved.",
}


def t(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


RULES = {
    rule.id: rule
    for rule in (
        Rule(
            "direct_ground",
            4,
            True,
            t(
                "Het algoritme gebruikt nationaliteit, etniciteit/afkomst, geboorteland, "
                "huidskleur, afkomst uit een naam of religie als invoer of selectiecriterium. "
                "Dat is onderscheid naar ras of godsdienst (Grondwet art. 1, Awgb).",
                "The algorithm uses nationality, ethnicity/origin, country of birth, skin "
                "colour, origin read from a name or religion as an input or selection "
                "criterion. That is distinction on race or religion (Constitution art. 1, "
                "Equal Treatment Act).",
            ),
        ),
        Rule(
            "ground_data_in_profiling",
            4,
            True,
            t(
                "Het algoritme profileert en er worden gegevens over etniciteit/afkomst of "
                "religie verwerkt: dat telt als gebruik van die grond, tenzij het "
                "variabelenoverzicht laat zien dat ze geen invoer zijn en dat is toegelicht.",
                "The algorithm profiles and data on ethnicity/origin or religion is "
                "processed: that counts as using the ground, unless the variable worksheet "
                "shows it is not an input and that is explained.",
            ),
        ),
        Rule(
            "ground_data_explained",
            3,
            True,  # the whole board decides whether it accepts the explanation
            t(
                "Het algoritme profileert en er worden gegevens over etniciteit/afkomst of "
                "religie verwerkt. Het variabelenoverzicht laat zien dat ze geen invoer zijn "
                "en dat is toegelicht: de voltallige klankbordgroep moet die toelichting "
                "aanvaarden.",
                "The algorithm profiles and data on ethnicity/origin or religion is "
                "processed. The variable worksheet shows it is not an input and this is "
                "explained: the full sounding board must accept the explanation.",
            ),
        ),
        Rule(
            "risk_profiling",
            3,
            False,
            t(
                "Het algoritme selecteert, rangschikt of scoort inwoners of zaken "
                "(risicoprofilering).",
                "The algorithm selects, ranks or scores residents or cases (risk profiling).",
            ),
        ),
        Rule(
            "source_without_basis",
            1,
            True,
            t(
                "Een gegevensbron van een ketenpartner heeft geen controleerbare wettelijke "
                "grondslag of geen geldige afspraak.",
                "A data source from a chain partner has no checkable legal basis or no "
                "valid agreement.",
            ),
        ),
        Rule(
            "special_categories",
            3,
            False,
            t(
                "Het algoritme verwerkt bijzondere of strafrechtelijke persoonsgegevens.",
                "The algorithm processes special-category or criminal personal data.",
            ),
        ),
        Rule(
            "automated_legal_effect",
            3,
            False,
            t(
                "Het algoritme neemt zelf besluiten met rechtsgevolgen voor inwoners.",
                "The algorithm takes decisions with legal effect on its own.",
            ),
        ),
        Rule(
            "polluted_without_filter",
            3,
            False,
            t(
                "Gegevens van een ketenpartner kunnen vervuild zijn (ook door uitkomsten van "
                "eerdere selecties) en het filter is niet volledig beschreven: wat het "
                "verwijdert, hoe dat is gecontroleerd en wat overblijft.",
                "Data from a chain partner may be polluted (also by outcomes of earlier "
                "selections) and the filter is not fully described: what it removes, how "
                "that was checked and what remains.",
            ),
        ),
        Rule(
            "group_outcome_flagged",
            3,
            False,
            t(
                "De uitkomsten verschillen betrouwbaar en te veel tussen groepen.",
                "Outcomes differ reliably and too much between groups.",
            ),
        ),
        Rule(
            "no_group_data",
            3,
            False,
            t(
                "Er zijn geen gegevens om te controleren of het algoritme groepen verschillend "
                "behandelt.",
                "There is no data to check whether the algorithm treats groups differently.",
            ),
        ),
        Rule(
            "proxy_untested",
            3,
            False,
            t(
                "Een invoervariabele kan staan voor een beschermde grond (of dat is onbekend) "
                "en dat is niet getoetst.",
                "An input variable may stand in for a protected ground (or that is unknown) "
                "and this was not tested.",
            ),
        ),
        Rule(
            "staff_judgement_input",
            3,
            False,
            t(
                "Een oordeel van medewerkers is invoer van het algoritme: vooroordelen in "
                "die oordelen worden zo overgenomen.",
                "A staff judgement is an input of the algorithm: biases in those judgements "
                "are carried over.",
            ),
        ),
        Rule(
            "earlier_selection_label_input",
            3,
            False,
            t(
                "Een label uit een eerdere selectie of onderzoek is invoer: wie vaker "
                "gecontroleerd werd, krijgt vaker een label (terugkoppellus).",
                "A label from an earlier selection or investigation is an input: who was "
                "checked more often gets a label more often (feedback loop).",
            ),
        ),
        Rule(
            "area_targeting",
            3,
            False,
            t(
                "Het algoritme richt aandacht of handhaving op gebieden waarvan de bevolking "
                "duidelijk verschilt van die van de stad (aandeel inwoners met een "
                "migratieachtergrond buiten 0,8-1,25 keer het stedelijk aandeel).",
                "The algorithm directs attention or enforcement to areas whose population "
                "differs markedly from the city's (share of residents with a migration "
                "background outside 0.8-1.25 times the city's share).",
            ),
        ),
        Rule(
            "prohibited_practice",
            4,
            True,
            t(
                "Mogelijk een verboden AI-praktijk (AI-verordening art. 5). Zo kan het niet "
                "worden ingediend.",
                "Possibly a prohibited AI practice (AI Act art. 5). It cannot be submitted "
                "like this.",
            ),
        ),
        Rule(
            "high_risk_ai",
            3,
            False,
            t(
                "Hoog-risico AI-systeem (AI-verordening bijlage III): een grondrechten-"
                "effectbeoordeling (art. 27) en registratie in de EU-databank (art. 49) "
                "zijn verplicht.",
                "High-risk AI system (AI Act Annex III): a fundamental rights impact "
                "assessment (art. 27) and registration in the EU database (art. 49) are "
                "required.",
            ),
        ),
    )
}

FINDINGS = {
    "special_categories_vs_grounds": t(
        "Bij privacy staan bijzondere gegevens die een beschermde grond zijn (%s), maar bij "
        "discriminatie staat die grond niet.",
        "The privacy section lists special categories that are a protected ground (%s), "
        "but the discrimination section does not list that ground.",
    ),
    "personal_data_contradiction": t(
        "Persoonsgegevens: 'nee', maar de uitkomst, de variabelen of de bronnen gaan over "
        "personen.",
        "Personal data: 'no', but the output, the variables or the sources are about persons.",
    ),
    "profiling_contradiction": t(
        "Risicoprofilering: 'nee', maar de uitkomst rangschikt, selecteert of deelt mensen "
        "in. Tot dit is toegelicht telt het als profilering.",
        "Risk profiling: 'no', but the output ranks, selects or classifies people. Until "
        "explained it counts as profiling.",
    ),
    "decision_support_without_deviation": t(
        "Beslisondersteuning, maar medewerkers kunnen niet (of misschien niet) afwijken van "
        "de uitkomst: dan beslist in feite het algoritme.",
        "Decision support, but staff cannot (or may not be able to) deviate from the "
        "output: in effect the algorithm decides.",
    ),
    "ground_data_in_profiling": t(
        "Gegevens over etniciteit/afkomst of religie in een systeem dat profileert: licht toe "
        "waarom ze geen invoer zijn (het variabelenoverzicht moet dat laten zien). De "
        "voltallige klankbordgroep beoordeelt die toelichting.",
        "Data on ethnicity/origin or religion in a profiling system: explain why it is not "
        "an input (the variable worksheet must show this). The full sounding board judges "
        "the explanation.",
    ),
    "agreement_expires_before_reassessment": t(
        "De afspraak met deze bron loopt af (%s) vóór de volgende herbeoordeling (%s).",
        "The agreement for this source ends (%s) before the next re-assessment (%s).",
    ),
    "prohibited_practice": t(
        "Een vraag over verboden AI-praktijken (art. 5) is 'ja' of 'weet niet'.",
        "A question on prohibited AI practices (art. 5) is 'yes' or 'unsure'.",
    ),
    "publication_category_mismatch": t(
        "De publicatiecategorie in het register (%s) past niet bij de antwoorden (%s).",
        "The register's publication category (%s) does not match the answers (%s).",
    ),
}
# Findings that an explanation cannot lift: the answer or the register field must change.
NOT_EXPLAINABLE = frozenset({"prohibited_practice", "publication_category_mismatch"})

NO_GROUP_DATA_CONDITION = t(
    "Verzamel binnen zes maanden gegevens waarmee de uitkomsten per groep te controleren "
    "zijn (bijvoorbeeld via CBS-microdata of een steekproef met handmatige controle), voer "
    "de groepsanalyse uit en leg die voor aan de klankbordgroep.",
    "Within six months, collect data to check outcomes per group (for example through CBS "
    "microdata or a manually checked sample), run the group analysis and present it to the "
    "sounding board.",
)


def applies_to(bank: Bank) -> bool:
    return bank.weights_version.startswith(WEIGHTS_PREFIX)


# --- points -----------------------------------------------------------------------------


def points_v2(question: Question, answer) -> int:
    if question.type == "multichoice":
        weights = sorted(
            (
                option.weight
                for value in values_of(answer)
                if (option := question.option(str(value))) is not None
            ),
            reverse=True,
        )
        return sum(weights[:MULTICHOICE_COUNTED])
    if question.type == "group":
        rows = answer if isinstance(answer, list) else []
        return sum(
            max(
                (points_v2(sub, row.get(sub.id)) for row in rows if isinstance(row, dict)),
                default=0,
            )
            for sub in question.questions
            if sub.options
        )
    return question_points(question, answer)


def max_v2(question: Question) -> int:
    if question.type == "multichoice":
        weights = sorted((o.weight for o in question.options), reverse=True)
        return sum(weights[:MULTICHOICE_COUNTED])
    if question.type == "group":
        return sum(max_v2(sub) for sub in question.questions if sub.options)
    return question_max(question)


# --- reading answers --------------------------------------------------------------------


class Answers:
    """The shown answers, and helpers the rules share."""

    def __init__(self, bank: Bank, answers: dict, register_fields: dict | None, today: dt.date):
        self.bank = bank
        self.raw = answers
        self.shown_ids = {q.id for q in shown_questions(bank.questions, answers)}
        self.register_fields = register_fields  # None: not known, not checked
        self.today = today
        self.explained = _explained_ids(answers.get("explanations.items"))

    def get(self, question_id: str):
        return self.raw.get(question_id) if question_id in self.shown_ids else None

    def values(self, question_id: str) -> list:
        return [str(v) for v in values_of(self.get(question_id))]

    def rows(self, question_id: str) -> list[tuple[int, dict]]:
        return [
            (index, row)
            for index, row in enumerate(values_of(self.get(question_id)))
            if isinstance(row, dict)
        ]

    def risky(self, question_id: str) -> tuple[bool, bool]:
        """(fires, only because of unsure) for a yes/no/unsure question."""
        answer = self.get(question_id)
        return answer in ("yes", "unsure"), answer == "unsure"


def _explained_ids(rows) -> set[str]:
    explained = set()
    for row in values_of(rows):
        if isinstance(row, dict) and _text(row.get("explanation")):
            explained.add(_text(row.get("finding")).lower())
    return explained


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _row_label(question_id: str, index: int, row: dict) -> dict[str, str]:
    if question_id == "provenance.sources":
        name = _text(row.get("dataset")) or _text(row.get("partner"))
        return t(f"Bron {index + 1} ({name}): ", f"Source {index + 1} ({name}): ")
    if question_id == "data.variables":
        name = _text(row.get("name"))
        return t(f"Variabele {index + 1} ({name}): ", f"Variable {index + 1} ({name}): ")
    if question_id == "area.areas":
        name = _text(row.get("name"))
        return t(f"Gebied {index + 1} ({name}): ", f"Area {index + 1} ({name}): ")
    return t("", "")


def fire(
    rule_id: str,
    question: str,
    *,
    row: int | None = None,
    prefix: dict | None = None,
    detail: dict | None = None,
    unsure: bool = False,
    unsure_note: dict | None = None,
    blocking: bool | None = None,
    suggested_condition: dict | None = None,
) -> dict:
    rule = RULES[rule_id]
    text = {}
    for lang in ("nl", "en"):
        parts = [(prefix or {}).get(lang, "") + rule.text[lang]]
        if detail:
            parts.append(detail[lang])
        if unsure:
            parts.append((unsure_note or UNSURE_NOTE)[lang])
        text[lang] = " ".join(part for part in parts if part)
    fired = {
        "id": rule_id,
        "min_level": rule.min_level,
        "blocking": rule.blocking if blocking is None else blocking,
        "text": text,
        "question": question,
        "unsure": unsure,
    }
    if row is not None:
        fired["row"] = row
    if suggested_condition is not None:
        fired["suggested_condition"] = suggested_condition
    return fired


def finding(
    finding_id: str, question: str, a: Answers, *, row=None, blocks=True, args=(), **extra
) -> dict:
    text = {
        lang: (FINDINGS[finding_id][lang] % args) if args else FINDINGS[finding_id][lang]
        for lang in ("nl", "en")
    }
    explainable = finding_id not in NOT_EXPLAINABLE
    explained = explainable and finding_id in a.explained
    found = {
        "id": finding_id,
        "text": text,
        "question": question,
        "explained": explained,
        "explainable": explainable,
        "blocks_submission": blocks and not explained,
        **extra,
    }
    if row is not None:
        found["row"] = row
    return found


# --- the rules --------------------------------------------------------------------------


def legal_basis_checkable(row: dict) -> bool:
    """Act, article and a link to the act's text on wetten.overheid.nl: in the three fields,
    or all three in bank 1's free text (a lawyer can check it either way)."""
    act = _text(row.get("legal_basis_act"))
    article = _text(row.get("legal_basis_article"))
    url = _text(row.get("legal_basis_url"))
    if act or article or url:
        return (
            _names_an_act(act)
            and any(char.isdigit() for char in article)
            and url.lower().startswith(LAW_SITE)
        )
    text = _text(row.get("legal_basis"))
    links = LAW_LINK.findall(text)
    rest = LAW_LINK.sub(" ", text)
    return bool(links) and any(char.isdigit() for char in rest) and _names_an_act(rest)


def _names_an_act(text: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_]{3,}", text.lower()) if w not in ARTICLE_WORDS]
    return bool(words) and " ".join(words) not in BARE_ACTS


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def forbidden_ground_rules(a: Answers) -> list[dict]:
    used = [g for g in a.values("discrimination.direct_grounds") if g in FORBIDDEN_GROUNDS]
    if not used:
        return _ground_named_variables(a)
    exception = _text(a.get("discrimination.statutory_exception"))
    url = _text(a.get("discrimination.statutory_exception_url"))
    reviewed = a.get("discrimination.legal_review") == "yes"
    if exception and url.lower().startswith(LAW_SITE) and reviewed:
        return [
            fire(
                "direct_ground",
                "discrimination.direct_grounds",
                blocking=False,
                detail=t(
                    "Er is een wettelijke uitzondering genoemd en een juridische toets "
                    "vastgelegd: niveau 4, niet blokkerend.",
                    "A statutory exception is cited and a legal review is recorded: level 4, "
                    "not blocking.",
                ),
            )
        ]
    return [
        fire(
            "direct_ground",
            "discrimination.direct_grounds",
            detail=t(
                "Alleen toegestaan met een wettelijke uitzondering (wet en artikel, met link "
                "naar wetten.overheid.nl) en een vastgelegde juridische toets.",
                "Only allowed with a statutory exception (act and article, linked on "
                "wetten.overheid.nl) and a recorded legal review.",
            ),
        )
    ]


def _ground_named_variables(a: Answers) -> list[dict]:
    """Inputs whose name is a forbidden ground ("Geboorteland", "Nationaliteit") while the
    discrimination section declares none: the name tells what the variable is."""
    fired = []
    for index, row in a.rows("data.variables"):
        if row.get("use") == "evaluation_only" or not GROUND_NAMES.search(_text(row.get("name"))):
            continue
        fired.append(
            fire(
                "direct_ground",
                "data.variables",
                row=index,
                prefix=_row_label("data.variables", index, row),
                detail=t(
                    "De naam van deze invoer is een verboden grond; bij discriminatie staat "
                    "die grond niet.",
                    "This input's name is a forbidden ground; the discrimination section "
                    "does not list it.",
                ),
            )
        )
    return fired


def profiles(a: Answers) -> tuple[bool, bool]:
    """(profiles, only because of unsure or an unexplained contradiction)."""
    fires, unsure = a.risky("core.risk_profiling")
    if fires:
        return True, unsure
    if _profiling_contradiction(a) and "profiling_contradiction" not in a.explained:
        return True, False
    return False, False


def _profiling_contradiction(a: Answers) -> bool:
    return a.get("core.risk_profiling") == "no" and bool(
        set(a.values("core.output_kind")) & set(PEOPLE_OUTPUTS)
    )


def ground_data_rules(a: Answers) -> list[dict]:
    doing, unsure = profiles(a)
    categories = [
        c for c in a.values("privacy.special_categories") if c in PROFILING_GROUND_CATEGORIES
    ]
    declared = set(a.values("discrimination.direct_grounds"))
    if not doing or not categories:
        return []
    grounds = set().union(*(CATEGORY_GROUNDS[c] for c in categories))
    if grounds & declared & set(FORBIDDEN_GROUNDS):
        return []  # declared as used: the direct-ground rule decides
    if _worksheet_shows_not_input(a, grounds) and "ground_data_in_profiling" in a.explained:
        return [fire("ground_data_explained", "privacy.special_categories", unsure=unsure)]
    return [fire("ground_data_in_profiling", "privacy.special_categories", unsure=unsure)]


def _worksheet_shows_not_input(a: Answers, grounds: set[str]) -> bool:
    about = [row for _i, row in a.rows("data.variables") if row.get("stands_in_for") in grounds]
    return bool(about) and all(row.get("use") == "evaluation_only" for row in about)


def profiling_rules(a: Answers) -> list[dict]:
    doing, unsure = profiles(a)
    if not doing:
        return []
    if a.get("core.risk_profiling") == "no":
        return [
            fire(
                "risk_profiling",
                "core.output_kind",
                detail=t(
                    "De uitkomst rangschikt, selecteert of deelt mensen in.",
                    "The output ranks, selects or classifies people.",
                ),
            )
        ]
    return [fire("risk_profiling", "core.risk_profiling", unsure=unsure)]


def source_problems(a: Answers, row: dict) -> list[tuple[str, dict]]:
    """Why a source counts as one without a legal basis: (finding id, text) each."""
    found = []
    expires = _date(row.get("agreement_expires"))
    if row.get("agreement") in (None, "", "none"):
        found.append(("agreement_missing", t("Er is geen afspraak.", "There is no agreement.")))
    elif expires is not None and expires < a.today:
        found.append(
            (
                "agreement_expired",
                t(
                    f"De afspraak is verlopen ({expires.isoformat()}).",
                    f"The agreement has expired ({expires.isoformat()}).",
                ),
            )
        )
    if not legal_basis_checkable(row):
        found.append(
            (
                "legal_basis_not_checkable",
                t(
                    "De grondslag is niet controleerbaar: noem wet en artikel, met een link "
                    "naar de tekst op wetten.overheid.nl ('AVG' of 'wet' alleen is niet "
                    "genoeg).",
                    "The legal basis cannot be checked: name the act and article, with a "
                    "link to its text on wetten.overheid.nl ('AVG' or 'law' alone is not "
                    "enough).",
                ),
            )
        )
    return found


def source_rules(a: Answers) -> list[dict]:
    fired = []
    for index, row in a.rows("provenance.sources"):
        problems = source_problems(a, row)
        if not problems:
            continue
        detail = {lang: " ".join(text[lang] for _id, text in problems) for lang in ("nl", "en")}
        rule = fire(
            "source_without_basis",
            "provenance.sources",
            row=index,
            prefix=_row_label("provenance.sources", index, row),
            detail=detail,
        )
        rule["reasons"] = [finding_id for finding_id, _words in problems]
        fired.append(rule)
    return fired


def pollution_rules(a: Answers) -> list[dict]:
    fired = []
    for index, row in a.rows("provenance.sources"):
        polluted = row.get("pollution_risk") in ("yes", "unsure")
        earlier = row.get("holds_earlier_outcomes") in ("yes", "unsure")
        if not (polluted or earlier):
            continue
        described = all(
            _text(row.get(key))
            for key in (
                "pollution_filter_removes",
                "pollution_filter_checked",
                "pollution_filter_remains",
            )
        )
        if described:
            continue
        unsure = (not polluted or row.get("pollution_risk") == "unsure") and (
            not earlier or row.get("holds_earlier_outcomes") == "unsure"
        )
        fired.append(
            fire(
                "polluted_without_filter",
                "provenance.sources",
                row=index,
                prefix=_row_label("provenance.sources", index, row),
                unsure=unsure,
            )
        )
    return fired


def special_category_rules(a: Answers) -> list[dict]:
    chosen = [c for c in a.values("privacy.special_categories") if c not in NOT_SPECIAL]
    return [fire("special_categories", "privacy.special_categories")] if chosen else []


def decides_itself(a: Answers) -> tuple[bool, bool]:
    """(the algorithm in effect decides, only because of unsure): automated, or decision
    support that staff cannot deviate from."""
    kind = a.get("core.decision_type")
    if kind == "automated":
        return True, False
    if kind == "decision_support" and a.get("oversight.can_deviate") in ("no", "unsure"):
        return True, a.get("oversight.can_deviate") == "unsure"
    return False, False


def automated_rules(a: Answers) -> list[dict]:
    deciding, deciding_unsure = decides_itself(a)
    effect, effect_unsure = a.risky("oversight.legal_effect")
    if not (deciding and effect):
        return []
    detail = None
    if a.get("core.decision_type") == "decision_support":
        detail = t(
            "Medewerkers kunnen niet afwijken van de uitkomst: dat telt als zelf besluiten.",
            "Staff cannot deviate from the output: that counts as deciding on its own.",
        )
    return [
        fire(
            "automated_legal_effect",
            "oversight.legal_effect",
            detail=detail,
            unsure=deciding_unsure or effect_unsure,
        )
    ]


def flagged_groups(rows: list[dict]) -> list[str]:
    """Groups the bank 2 statistics flag (assessments/outcomes.py owns the method)."""
    return list(analyse_tables(rows).flagged_groups)


def group_outcome_rules(a: Answers) -> list[dict]:
    rows = [row for _i, row in a.rows("discrimination.group_outcomes")]
    groups = flagged_groups(rows) if rows else []
    if not groups:
        return []
    listed = ", ".join(str(g) for g in groups)
    return [
        fire(
            "group_outcome_flagged",
            "discrimination.group_outcomes",
            detail=t(f"Groepen: {listed}.", f"Groups: {listed}."),
        )
    ]


def group_data_rules(a: Answers) -> list[dict]:
    answer = a.get("discrimination.group_data_available")
    if answer not in ("no", "unsure"):
        return []
    return [
        fire(
            "no_group_data",
            "discrimination.group_data_available",
            unsure=answer == "unsure",
            unsure_note=t(
                "'Weet niet' telt als 'nee' tot het is beantwoord.",
                "Unsure counts as no until resolved.",
            ),
            suggested_condition=NO_GROUP_DATA_CONDITION,
        )
    ]


def variable_rules(a: Answers) -> list[dict]:
    fired = []
    for index, row in a.rows("data.variables"):
        prefix = _row_label("data.variables", index, row)
        use = row.get("use")
        as_input = use in INPUT_USES or use in (None, "")  # unknown use counts as input
        if not as_input:
            continue
        kind = row.get("kind")
        if kind == "staff_judgement":
            fired.append(fire("staff_judgement_input", "data.variables", row=index, prefix=prefix))
        if kind == "earlier_selection_label":
            fired.append(
                fire("earlier_selection_label_input", "data.variables", row=index, prefix=prefix)
            )
        stands_in = row.get("stands_in_for")
        if (stands_in == "unsure" or stands_in in FORBIDDEN_GROUNDS) and row.get("tested") in (
            None,
            "",
            "not_tested",
        ):
            fired.append(
                fire(
                    "proxy_untested",
                    "data.variables",
                    row=index,
                    prefix=prefix,
                    unsure=stands_in == "unsure",
                )
            )
    return fired


def area_rules(a: Answers) -> list[dict]:
    focused, unsure = a.risky("area.area_focused")
    if not focused:
        return []
    city = _number(a.get("area.city_share_migration_background"))
    shares = [
        (i, row, _number(row.get("share_migration_background"))) for i, row in a.rows("area.areas")
    ]
    known = [(i, row, share) for i, row, share in shares if share is not None]
    if not city or not known:
        return [
            fire(
                "area_targeting",
                "area.areas" if not known else "area.city_share_migration_background",
                unsure=unsure,
                detail=t(
                    "De cijfers (aandeel per gebied en voor de stad, CBS) ontbreken: tot ze "
                    "zijn ingevuld telt dat als een duidelijk verschil.",
                    "The figures (share per area and for the city, CBS) are missing: until "
                    "they are entered this counts as a marked difference.",
                ),
            )
        ]
    fired = []
    for index, row, share in known:
        ratio = share / city
        if AREA_RATIO_LOW <= ratio <= AREA_RATIO_HIGH:
            continue
        shown_ratio = f"{ratio:.2f}"
        fired.append(
            fire(
                "area_targeting",
                "area.areas",
                row=index,
                prefix=_row_label("area.areas", index, row),
                unsure=unsure,
                detail=t(
                    f"{share:g}% tegen {city:g}% in de stad (verhouding "
                    f"{shown_ratio.replace('.', ',')}).",
                    f"{share:g}% against {city:g}% in the city (ratio {shown_ratio}).",
                ),
            )
        )
    return fired


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def prohibited_rules(a: Answers) -> list[dict]:
    fired = []
    for question_id in ART5_QUESTIONS:
        fires, unsure = a.risky(question_id)
        if fires:
            fired.append(fire("prohibited_practice", question_id, unsure=unsure))
    return fired


def is_high_risk_ai(a: Answers) -> tuple[bool, bool]:
    annex = [v for v in a.values("ai_act.annex_iii") if v != "none"]
    is_ai, unsure = a.risky("ai_act.is_ai_system")
    return bool(annex) and is_ai, unsure


def high_risk_rules(a: Answers) -> list[dict]:
    high, unsure = is_high_risk_ai(a)
    return [fire("high_risk_ai", "ai_act.annex_iii", unsure=unsure)] if high else []


# --- cross-checks -----------------------------------------------------------------------


def cross_check_findings(a: Answers) -> list[dict]:
    found = []
    declared = set(a.values("discrimination.direct_grounds"))
    missing = [
        c
        for c in a.values("privacy.special_categories")
        if c in CATEGORY_GROUNDS and not (CATEGORY_GROUNDS[c] & declared)
    ]
    if missing:
        found.append(
            finding(
                "special_categories_vs_grounds",
                "discrimination.direct_grounds",
                a,
                args=(", ".join(missing),),
            )
        )
    if a.get("privacy.personal_data") == "no" and _names_persons(a):
        found.append(finding("personal_data_contradiction", "privacy.personal_data", a))
    if _profiling_contradiction(a):
        found.append(finding("profiling_contradiction", "core.risk_profiling", a))
    if a.get("core.decision_type") == "decision_support" and a.get("oversight.can_deviate") in (
        "no",
        "unsure",
    ):
        found.append(finding("decision_support_without_deviation", "oversight.can_deviate", a))
    doing, _unsure = profiles(a)
    categories = [
        c for c in a.values("privacy.special_categories") if c in PROFILING_GROUND_CATEGORIES
    ]
    if doing and categories and not (declared & set(FORBIDDEN_GROUNDS)):
        # Not blocking submission: the rule makes the whole board decide on it.
        found.append(
            finding("ground_data_in_profiling", "privacy.special_categories", a, blocks=False)
        )
    return found


def _names_persons(a: Answers) -> bool:
    if set(a.values("core.output_kind")) & set(PEOPLE_OUTPUTS):
        return True
    if a.get("core.risk_profiling") in ("yes", "unsure"):
        return True
    # The worksheet is hidden after "no": rows typed before still show the contradiction.
    for row in values_of(a.raw.get("data.variables")):
        if not isinstance(row, dict):
            continue
        if row.get("stands_in_for") not in (None, "", "none") or row.get("kind") in (
            "staff_judgement",
            "earlier_selection_label",
        ):
            return True
        if PERSON_WORDS.search(_text(row.get("name"))):
            return True
    return any(
        PERSON_WORDS.search(_text(row.get("data_categories")))
        for _index, row in a.rows("provenance.sources")
    )


def ai_findings(a: Answers, high_risk: bool) -> list[dict]:
    found = []
    if any(a.risky(q)[0] for q in ART5_QUESTIONS):
        question = next(q for q in ART5_QUESTIONS if a.risky(q)[0])
        found.append(finding("prohibited_practice", question, a))
    if a.register_fields is None:
        return found  # answers without their register fields: nothing to compare with
    registered = a.register_fields.get("publication_category") or ""
    if a.values("ai_act.annex_iii") and (high_risk != (registered == HIGH_RISK_CATEGORY)):
        expected = t(HIGH_RISK_CATEGORY, HIGH_RISK_CATEGORY) if high_risk else NOT_HIGH_RISK
        found.append(finding("publication_category_mismatch", "ai_act.annex_iii", a))
        for lang in ("nl", "en"):
            found[-1]["text"][lang] = FINDINGS["publication_category_mismatch"][lang] % (
                registered or "-",
                expected[lang],
            )
    return found


# Rules the issue also calls findings (shown on the dashboard and in the review); they do not
# block submission: the rule already sets the level (and whether the whole board decides).
RULE_FINDINGS = ("no_group_data", "staff_judgement_input", "earlier_selection_label_input")


def findings_from_rules(a: Answers, rules: list[dict]) -> list[dict]:
    found = []
    for rule in rules:
        if rule["id"] in RULE_FINDINGS:
            item = {
                "id": rule["id"],
                "text": rule["text"],
                "question": rule["question"],
                "explained": rule["id"] in a.explained,
                "explainable": True,
                "blocks_submission": False,
            }
            for key in ("row", "suggested_condition"):
                if key in rule:
                    item[key] = rule[key]
            found.append(item)
        for reason in rule.get("reasons", ()):
            found.append(
                {
                    "id": reason,
                    "text": rule["text"],
                    "question": rule["question"],
                    "row": rule["row"],
                    "explained": False,
                    "explainable": False,
                    "blocks_submission": False,
                }
            )
    return found


def agreement_findings(a: Answers, next_reassessment: dt.date) -> list[dict]:
    found = []
    for index, row in a.rows("provenance.sources"):
        expires = _date(row.get("agreement_expires"))
        if expires is None or expires < a.today or row.get("agreement") in (None, "", "none"):
            continue  # no agreement or expired: the source counts as one without a basis
        if expires < next_reassessment:
            found.append(
                finding(
                    "agreement_expires_before_reassessment",
                    "provenance.sources",
                    a,
                    row=index,
                    blocks=False,
                    args=(expires.isoformat(), next_reassessment.isoformat()),
                    suggested_condition=t(
                        f"Verleng de afspraak voor bron {index + 1} vóór "
                        f"{expires.isoformat()}, of stop dan met het gebruik van de bron.",
                        f"Renew the agreement for source {index + 1} before "
                        f"{expires.isoformat()}, or stop using the source by then.",
                    ),
                )
            )
    return found


RULE_CHECKS = (
    forbidden_ground_rules,
    ground_data_rules,
    profiling_rules,
    source_rules,
    special_category_rules,
    automated_rules,
    pollution_rules,
    group_outcome_rules,
    group_data_rules,
    variable_rules,
    area_rules,
    prohibited_rules,
    high_risk_rules,
)


def determinable(bank: Bank, answers: dict) -> bool:
    """False while a required question of the core section is unanswered."""
    return not any(key.split("[")[0].startswith("core.") for key in missing_required(bank, answers))


def next_reassessment(a: Answers, level: int) -> dt.date:
    planned = _date(a.get("transparency.reassessment_date"))
    by_level = add_months(a.today, REASSESSMENT_MONTHS[level])
    return min(planned, by_level) if planned is not None and planned > a.today else by_level


def compute(
    bank: Bank,
    answers: dict,
    *,
    today: dt.date | None = None,
    register_fields: dict | None = None,
) -> RiskResult:
    a = Answers(bank, answers, register_fields, today or dt.datetime.now(dt.UTC).date())
    points = tally(bank, answers, a.shown_ids, points=points_v2, maximum=max_v2)
    band_level = band(points.score, points.max_score, BANDS_V2)
    rules = [fired for check in RULE_CHECKS for fired in check(a)]
    level = max([band_level, *(rule["min_level"] for rule in rules)])
    high_risk, _unsure = is_high_risk_ai(a)
    findings = [
        *cross_check_findings(a),
        *findings_from_rules(a, rules),
        *ai_findings(a, high_risk),
        *agreement_findings(a, next_reassessment(a, level)),
    ]
    blocking = any(rule["blocking"] for rule in rules)
    conditions = []
    for item in [*rules, *findings]:
        condition = item.get("suggested_condition")
        if condition and condition not in conditions:
            conditions.append(condition)
    requirements = level_requirements.requirements(
        level,
        blocking=blocking,
        personal_data=processes_personal_data(bank, answers),
        answer=a.get,
        profiling=profiles(a)[0],
        forbidden_ground=any(rule["id"] == "direct_ground" for rule in rules),
        high_risk_ai=high_risk,
        conditions=conditions,
    )
    return RiskResult(
        level=level,
        band_level=band_level,
        score=points.score,
        raw_score=points.raw_score,
        max_score=points.max_score,
        mitigation=points.mitigation,
        max_mitigation=points.max_mitigation,
        discount_applied=points.discount_applied,
        reasons=points.reasons,
        rules=rules,
        weights_version=bank.weights_version,
        determinable=determinable(bank, answers),
        findings=findings,
        requirements=requirements,
        high_risk_ai=high_risk,
        publication_category=HIGH_RISK_CATEGORY if high_risk else None,
    )
