"""English words a reader may search for, with the Dutch words the register is written in.

The register's texts are Dutch only, so an English search finds little. When a search finds
nothing, the page suggests the Dutch term for common English words instead of saying nothing.
"""

from __future__ import annotations

import re

ENGLISH_TO_DUTCH: dict[str, str] = {
    "algorithm": "algoritme",
    "allowance": "toeslag",
    "benefit": "uitkering",
    "benefits": "uitkering",
    "bicycle": "fiets",
    "bike": "fiets",
    "camera": "camera",
    "care": "zorg",
    "chatbot": "chatbot",
    "child": "kind",
    "children": "kinderen",
    "complaint": "klacht",
    "crime": "criminaliteit",
    "debt": "schulden",
    "education": "onderwijs",
    "energy": "energie",
    "enforcement": "handhaving",
    "fine": "boete",
    "fraud": "fraude",
    "garbage": "afval",
    "health": "gezondheid",
    "housing": "wonen",
    "income": "inkomen",
    "inspection": "controle",
    "job": "werk",
    "neighbourhood": "wijk",
    "neighborhood": "wijk",
    "noise": "geluid",
    "objection": "bezwaar",
    "parking": "parkeren",
    "permit": "vergunning",
    "police": "politie",
    "poverty": "armoede",
    "privacy": "privacy",
    "rent": "huur",
    "rubbish": "afval",
    "safety": "veiligheid",
    "school": "school",
    "social": "sociaal",
    "street": "straat",
    "tax": "belasting",
    "taxes": "belasting",
    "traffic": "verkeer",
    "translation": "vertaling",
    "trash": "afval",
    "waste": "afval",
    "welfare": "bijstand",
    "work": "werk",
    "youth": "jeugd",
}


def dutch_suggestions(query: str, limit: int = 3) -> list[str]:
    """Dutch search terms for the English words in a query, in the query's order."""
    suggestions: list[str] = []
    for word in re.findall(r"[a-z]+", (query or "").lower()):
        dutch = ENGLISH_TO_DUTCH.get(word)
        if dutch and dutch != word and dutch not in suggestions:
            suggestions.append(dutch)
    return suggestions[:limit]
