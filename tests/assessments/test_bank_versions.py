"""Bank uthiek-2 against uthiek-1: version 2 only adds, every version-1 id and option value
keeps its type, place and meaning (API clients and the outside casebook rely on them)."""

from assessments.bank import Question, get_bank

V1 = get_bank("uthiek", 1)
V2 = get_bank("uthiek", 2)


def _pairs():
    for old in V1.questions:
        yield old, V2.by_id.get(old.id)


def test_version_2_has_every_version_1_question_with_the_same_type_and_section():
    for old, new in _pairs():
        assert new is not None, f"{old.id} dropped in version 2"
        assert (new.type, new.section) == (old.type, old.section), old.id


def _same_meaning(old: Question, new: Question) -> None:
    assert new.type == old.type, old.id
    for option in old.options:
        replacement = new.option(option.value)
        assert replacement is not None, f"{old.id}: option {option.value} dropped"
        assert replacement.label == option.label, f"{old.id}: option {option.value} relabelled"
    new_subs = {sub.id: sub for sub in new.questions}
    for sub in old.questions:
        assert sub.id in new_subs, f"{old.id}.{sub.id} dropped"
        _same_meaning(sub, new_subs[sub.id])


def test_every_version_1_option_and_sub_question_keeps_its_value_and_label():
    for old, new in _pairs():
        _same_meaning(old, new)


def test_version_1_questions_stay_in_their_relative_order():
    kept = [q.id for q in V2.questions if q.id in V1.by_id]
    assert kept == [q.id for q in V1.questions]


def test_a_version_1_question_never_becomes_required_only_in_version_2():
    """An answer set that was complete on v1 loses no optional field to a new requirement
    on an old question (new requirements come from new questions)."""
    for old, new in _pairs():
        assert new.required == old.required, old.id


def test_what_version_1_publishes_and_scores_stays_the_same_kind():
    """A kept question stays public or internal (records) and keeps its scoring kind."""
    for old, new in _pairs():
        assert (new.public, new.scoring) == (old.public, old.scoring), old.id


def test_spec_additions_are_present():
    ids = set(V2.by_id)
    for qid in (
        "core.output_kind",
        "core.domain",
        "discrimination.direct_grounds_other",
        "discrimination.statutory_exception",
        "discrimination.statutory_exception_url",
        "discrimination.legal_review",
        "discrimination.legal_review_reference",
        "discrimination.group_data_available",
        "discrimination.group_analysis_none_reason",
        "data.variables",
        "area.area_focused",
        "area.areas",
        "area.city_share_migration_background",
        "area.selection_reason",
        "area.feedback_loop",
        "area.stigma",
        "ai_act.is_ai_system",
        "ai_act.social_scoring",
        "ai_act.crime_prediction_profiling",
        "ai_act.emotion_recognition_work",
        "ai_act.face_scraping",
        "ai_act.annex_iii",
        "ai_act.fria_processes",
        "ai_act.fria_period_frequency",
        "ai_act.fria_persons",
        "ai_act.fria_risks",
        "ai_act.fria_oversight",
        "ai_act.fria_measures",
        "ai_act.eu_database_url",
        "explanations.items",
    ):
        assert qid in ids, qid
    grounds = set(V2.by_id["discrimination.direct_grounds"].option_values)
    assert {
        "skin_colour",
        "name_origin",
        "belief",
        "political_opinion",
        "marital_status",
        "chronic_illness",
        "other",
    } <= grounds
    special = set(V2.by_id["privacy.special_categories"].option_values)
    assert {"political_opinion", "trade_union", "sexual_life", "genetic"} <= special
    sources = {sub.id for sub in V2.by_id["provenance.sources"].questions}
    assert {
        "legal_basis_act",
        "legal_basis_article",
        "legal_basis_url",
        "data_categories",
        "partner_purpose",
        "compatibility",
        "collection",
        "retention_partner",
        "retention_here",
        "holds_earlier_outcomes",
        "known_quality_issues",
        "pollution_filter_removes",
        "pollution_filter_checked",
        "pollution_filter_remains",
    } <= sources
    outcomes = [sub.id for sub in V2.by_id["discrimination.group_outcomes"].questions]
    assert {"table", "dimension", "stage", "hits", "reference"} <= set(outcomes)
    variables = {sub.id: sub for sub in V2.by_id["data.variables"].questions}
    assert list(variables) == [
        "name",
        "source",
        "kind",
        "use",
        "stands_in_for",
        "tested",
        "test_result",
    ]
    assert {"none", "unsure", "nationality", "skin_colour", "income_class", "other"} <= set(
        variables["stands_in_for"].option_values
    )
    for field in ("share_migration_background",):
        sub = next(s for s in V2.by_id["area.areas"].questions if s.id == field)
        assert (sub.min, sub.max) == (0, 100)


def test_every_new_question_says_where_it_comes_from():
    """Help texts of version-2 additions name their source (CRM, IAMA, AIA, AI Act, AVG...)."""
    new = [q for q in V2.questions if q.id not in V1.by_id]
    assert len(new) >= 30
    for question in new:
        assert question.help, question.id
        assert "Bron: " in question.help["nl"], question.id
        assert "Source: " in question.help["en"], question.id


def test_the_explanation_for_residents_counts_in_one_unit():
    question = V2.by_id["core.explain_to_residents"]
    assert question.length_limit == 1500
    assert "1.500 tekens" in question.text["nl"]
    assert "1,500 characters" in question.text["en"]
    assert "woorden" not in question.text["nl"]


def test_legal_basis_fields_point_to_wetten_overheid_nl():
    sources = {sub.id: sub for sub in V2.by_id["provenance.sources"].questions}
    for field in ("legal_basis_act", "legal_basis_url", "legal_basis"):
        assert "wetten.overheid.nl" in sources[field].help["nl"], field
        assert "wetten.overheid.nl" in sources[field].help["en"], field
    assert "wetten.overheid.nl" in V2.by_id["discrimination.statutory_exception_url"].help["nl"]
