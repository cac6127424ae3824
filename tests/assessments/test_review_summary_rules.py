"""The review summary's rules (assessments/review/summary.py) and the draft cleaner: pure."""

from types import SimpleNamespace

from assessments import quorum
from assessments.bank import Question
from assessments.presentation import AnswerView, SectionProgress
from assessments.review import drafts, summary
from assessments.review.validation import MAX_TEXT


def _q(qid, section="core", type_="text", **extra):
    return Question(id=qid, type=type_, text={"nl": qid, "en": qid}, section=section, **extra)


def _view(question, change=""):
    return AnswerView(question, "tekst", [], [], change)


def test_words_mark_only_the_changed_words():
    words = summary.words("De kat zit op de mat", "De hond zit op de mat")
    assert [(w.op, w.text) for w in words if w.op != summary.KEEP] == [
        ("del", "kat"),
        ("ins", "hond"),
    ]
    assert " ".join(w.text for w in words if w.op == summary.KEEP) == "De zit op de mat"
    assert summary.words("", "Nieuw antwoord") == [
        summary.Word("ins", "Nieuw"),
        summary.Word("ins", "antwoord"),
    ]
    assert summary.words("same text", "same text") == [
        summary.Word("keep", "same"),
        summary.Word("keep", "text"),
    ]


def test_group_answers_compare_row_by_row():
    group = Question(
        id="provenance.sources",
        type="group",
        text={"nl": "Bronnen", "en": "Sources"},
        section="provenance",
        questions=(_q("name"), _q("owner")),
    )
    old = [{"name": "BRP", "owner": "Gemeente"}]
    new = [{"name": "BRP", "owner": "Rijk"}, {"name": "Kadaster", "owner": ""}]
    assert summary.comparable_text(group, new, "nl") == "BRP - Rijk\nKadaster"
    changed = [
        w
        for w in summary.words(
            summary.comparable_text(group, old, "nl"), summary.comparable_text(group, new, "nl")
        )
        if w.op != summary.KEEP
    ]
    assert ("del", "Gemeente") in [(w.op, w.text) for w in changed]
    assert ("ins", "Kadaster") in [(w.op, w.text) for w in changed]
    assert summary.comparable_text(group, "not rows", "nl") == ""


def test_answer_changes_follow_the_bank_and_know_what_is_no_longer_asked():
    bank = SimpleNamespace(questions=[_q("core.a"), _q("core.b"), _q("privacy.c", "privacy")])
    changes = {"privacy.c": "removed", "core.a": "changed", "unknown.key": "added"}
    result = summary.answer_changes(
        bank,
        changes,
        {"core.a": "oud woord", "privacy.c": "weg"},
        {"core.a": "nieuw woord"},
        shown_ids={"core.a", "core.b"},
        lang="nl",
    )
    assert [(c.question_id, c.kind, c.shown) for c in result] == [
        ("core.a", "changed", True),
        ("privacy.c", "removed", False),
    ]
    assert [w.op for w in result[1].words] == ["del"]


def test_open_threads_count_only_unresolved_top_level_threads():
    threads = {
        "": [SimpleNamespace(resolved_at=None)],
        "core.a": [SimpleNamespace(resolved_at=None), SimpleNamespace(resolved_at="yesterday")],
        "core.b": [SimpleNamespace(resolved_at="yesterday")],
    }
    assert summary.open_thread_counts(threads) == {"": 1, "core.a": 1}


def test_reason_questions_include_bank_1_rules_without_a_question():
    risk = {
        "reasons": [{"question": "core.a", "points": 3}, "not a dict"],
        "rules": [{"id": "risk_profiling"}, {"id": "no_such_rule"}],
        "findings": [{"question": "privacy.c"}],
    }
    assert summary.reason_question_ids(risk) == {"core.a", "core.risk_profiling", "privacy.c"}
    assert summary.reason_question_ids({}) == set()


def test_arrange_puts_changes_first_and_folds_only_what_needs_no_look():
    a, b, c, d = (_q(f"core.{x}") for x in "abcd")
    section = SimpleNamespace(id="core")
    views = [_view(a), _view(b, "changed"), _view(c), _view(d)]
    (part,) = summary.arrange(
        [(section, views)], has_previous=True, open_counts={"core.c": 1}, keep_open={"core.d"}
    )
    assert [v.question.id for v in part.first] == ["core.b", "core.c", "core.d"]
    assert [v.question.id for v in part.folded] == ["core.a"]
    (first_version,) = summary.arrange(
        [(section, views)], has_previous=False, open_counts={}, keep_open=set()
    )
    assert [v.question.id for v in first_version.first] == ["core.a", "core.b", "core.c", "core.d"]
    assert first_version.folded == []


def test_section_links_count_progress_changes_and_open_threads():
    core, privacy = SimpleNamespace(id="core"), SimpleNamespace(id="privacy")
    parts = [
        summary.SectionPart(core, [_view(_q("core.a"), "changed")], [_view(_q("core.b"))]),
        summary.SectionPart(privacy, [_view(_q("privacy.c", "privacy"))], []),
    ]
    progress = [
        SectionProgress("core", "Kern", 2, 2),
        SectionProgress("privacy", "Privacy", 1, 3),
        SectionProgress("hidden", "Niet op de pagina", 0, 0),
    ]
    changes = [summary.AnswerChange("core.a", "core", "changed", True, [])]
    links = summary.section_links(progress, parts, changes, {"core.b": 2, "": 1})
    assert [(s.id, s.answered, s.required, s.changed, s.open_threads) for s in links] == [
        ("core", 2, 2, 1, 2),
        ("privacy", 1, 3, 0, 0),
    ]
    assert links[0].done
    assert not links[1].done


def _outcome(needed, approvals, officer_needed=False, officer_approved=False):
    return quorum.Outcome(quorum.PENDING, needed, approvals, officer_needed, officer_approved)


def test_quorum_words_say_how_many_more_are_needed():
    assert summary.quorum_words(_outcome(1, 0), 3) == summary.QuorumWords(1, 3, False, False)
    assert summary.quorum_words(_outcome(3, 1), 3).still_needed == 2
    reached = summary.quorum_words(_outcome(2, 3), 4)  # more approvals than needed
    assert (reached.still_needed, reached.reached) == (0, True)
    officer = summary.quorum_words(_outcome(1, 1, officer_needed=True), 3)
    assert (officer.still_needed, officer.privacy_officer_missing, officer.reached) == (
        0,
        True,
        False,
    )


def test_a_draft_keeps_text_as_typed_but_only_what_can_be_stored():
    typed = {
        "decision": None,
        "comment": "Half\x00 af" + "x" * (MAX_TEXT + 50),
        "section_advice": {"core": {"advice": "agree", "motivation": "ok", "deep": {"x": "y"}}},
        "conditions": [{"text": f"voorwaarde {i}"} for i in range(100)],
        "number": 5,
    }
    clean = drafts.clean_draft(typed)
    assert clean["decision"] == ""
    assert clean["number"] == ""
    assert "\x00" not in clean["comment"]
    assert len(clean["comment"]) == MAX_TEXT + 1  # still "too long" when it is cast
    assert clean["section_advice"]["core"]["motivation"] == "ok"
    assert clean["section_advice"]["core"]["deep"] == ""  # deeper than the form goes
    assert len(clean["conditions"]) == 30
    assert drafts.clean_draft({"text": "\ud800kapot"}) == {"text": "kapot"}
