"""Plain language for residents: how readable a Dutch text is, and what to change.

Three signals, shown to the submitter while writing and to the board in review; never
blocking. The aim is B1, the level most Dutch government texts for residents are written at.

- Flesch-Douma, the Dutch adaptation of Flesch's reading ease (textstat with `nl`, syllables
  by pyphen's Dutch hyphenation): 60 or more reads as "fairly easy" to "easy".
- Sentence length: B1 guidance keeps sentences short; a sentence of more than 20 words is
  named.
- Words to avoid: officialese with a plain alternative (a short list, after the plain-language
  guides of Rijksoverheid and Direct Duidelijk).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from register.standard import html_to_text

B1_MINIMUM_SCORE = 60.0
LONG_SENTENCE_WORDS = 20
MINIMUM_WORDS = 8  # below this a score says nothing

WORDS_TO_AVOID: dict[str, str] = {
    "aanvang": "begin",
    "alsmede": "en, ook",
    "conform": "volgens",
    "derhalve": "daarom",
    "dient": "moet",
    "dienen": "moeten",
    "doch": "maar",
    "geïmplementeerd": "ingevoerd",
    "implementeren": "invoeren",
    "indien": "als",
    "inzake": "over",
    "middels": "met, door",
    "omtrent": "over",
    "prioriteren": "voorrang geven",
    "reeds": "al",
    "retourneren": "terugsturen",
    "teneinde": "om",
    "thans": "nu",
    "trachten": "proberen",
    "ten behoeve van": "voor",
    "verstrekken": "geven",
    "verstrekt": "gegeven",
    "waarborgen": "zorgen voor",
    "woonachtig": "wonen",
    "zulks": "dat",
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[0-9A-Za-zÀ-ÿ'-]+")


@dataclass(frozen=True)
class Readability:
    score: float | None  # Flesch-Douma; None when the text is too short to say
    words: int
    sentences: int
    long_sentences: tuple[str, ...] = ()
    words_to_avoid: tuple[tuple[str, str], ...] = ()  # (word, plain alternative)
    advice: tuple[str, ...] = field(default=())

    @property
    def meets_b1(self) -> bool:
        return (
            (self.score is None or self.score >= B1_MINIMUM_SCORE)
            and not self.long_sentences
            and not self.words_to_avoid
        )

    def as_dict(self) -> dict:
        return {
            "score": self.score,
            "words": self.words,
            "sentences": self.sentences,
            "meets_b1": self.meets_b1,
            "long_sentences": list(self.long_sentences),
            "words_to_avoid": [{"word": w, "instead": alt} for w, alt in self.words_to_avoid],
        }


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if _WORD.search(s or "")]


def check(text: str, *, html: bool = False) -> Readability:
    """How readable a Dutch text is for residents (pure; HTML fields are read as text)."""
    plain = html_to_text(text) if html else (text or "")
    sentences = sentences_of(plain)
    words = sum(len(_WORD.findall(s)) for s in sentences)
    score = None
    if words >= MINIMUM_WORDS:
        # Imported here: textstat loads NLTK and SciPy (a second), which every process would
        # pay at start-up, though only readability checks need it.
        import textstat

        textstat.set_lang("nl")
        score = round(float(textstat.flesch_reading_ease(plain)), 1)
    long_sentences = tuple(s for s in sentences if len(_WORD.findall(s)) > LONG_SENTENCE_WORDS)
    lowered = f" {plain.lower()} "
    avoid = tuple(
        (word, alternative)
        for word, alternative in WORDS_TO_AVOID.items()
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", lowered)
    )
    return Readability(
        score=score,
        words=words,
        sentences=len(sentences),
        long_sentences=long_sentences,
        words_to_avoid=avoid,
    )


# The entry's texts residents read to understand the algorithm; legal references and the
# technical description of methods are not held to B1.
RESIDENT_FIELDS = (
    "description_short",
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "impacttoetsen",
    "source_data",
    "objection_procedure",
    "monitoring",
    "performance",
    "withheld_reason",
)


def entry_readability(content: dict) -> list[tuple[str, Readability]]:
    """(field name, result) for each filled resident-facing field of an entry."""
    results = []
    for name in RESIDENT_FIELDS:
        value = content.get(name)
        if isinstance(value, str) and value.strip():
            results.append((name, check(value, html=name != "description_short")))
    return results
