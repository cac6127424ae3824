"""The plain-language check: a B1 text passes, officialese and long sentences are named."""

from register.readability import B1_MINIMUM_SCORE, LONG_SENTENCE_WORDS, check

PLAIN = (
    "Het algoritme kijkt welke containers vol zijn. De vuilniswagen rijdt dan alleen naar "
    "die containers. Zo rijden er minder wagens door de stad."
)
OFFICIAL = (
    "Teneinde de rechtmatigheid van de verstrekte voorzieningen te waarborgen, wordt middels "
    "risicoprofilering een selectie gemaakt van dossiers die in aanmerking komen voor nadere "
    "controle indien daartoe aanleiding bestaat conform het geldende beleidskader."
)


def test_a_plain_text_meets_b1():
    result = check(PLAIN)
    assert result.score >= B1_MINIMUM_SCORE
    assert result.sentences == 3
    assert result.meets_b1


def test_officialese_is_named_with_plain_alternatives_and_the_long_sentence_quoted():
    result = check(OFFICIAL)
    assert result.score < B1_MINIMUM_SCORE
    avoided = dict(result.words_to_avoid)
    assert avoided["teneinde"] == "om"
    assert avoided["middels"] == "met, door"
    assert avoided["indien"] == "als"
    assert avoided["conform"] == "volgens"
    assert "verstrekt" not in avoided  # "verstrekte" is another word form: not matched loosely
    assert len(result.long_sentences) == 1
    assert len(result.long_sentences[0].split()) > LONG_SENTENCE_WORDS
    assert not result.meets_b1


def test_html_fields_are_read_as_text_and_short_texts_get_no_score():
    assert check("<p>Het algoritme plant <strong>routes</strong>.</p>", html=True).score is None
    assert check("<p>" + PLAIN + "</p>", html=True).score == check(PLAIN).score
    assert check("").as_dict() == {
        "score": None,
        "words": 0,
        "sentences": 0,
        "meets_b1": True,
        "long_sentences": [],
        "words_to_avoid": [],
    }


def test_an_entry_is_checked_field_by_field_and_technical_fields_are_left_alone():
    from register.readability import entry_readability

    results = dict(
        entry_readability(
            {
                "description_short": PLAIN,
                "goal": f"<p>{OFFICIAL}</p>",
                "methods_and_models": f"<p>{OFFICIAL}</p>",
                "risks": "",
            }
        )
    )
    assert set(results) == {"description_short", "goal"}
    assert results["description_short"].meets_b1
    assert not results["goal"].meets_b1
