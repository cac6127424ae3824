"""Fail when a message lacks a finished Dutch translation (used by `make i18n-check`)."""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po


def problems(po_path: str, pot_path: str) -> list[str]:
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    with open(pot_path, "rb") as handle:
        template = read_po(handle)
    found = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        if translated is None:
            found.append(f"missing: {message.id!r}")
        elif translated.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        elif isinstance(translated.string, tuple | list):
            if not all(translated.string):
                found.append(f"untranslated plural: {message.id!r}")
        elif not translated.string:
            found.append(f"untranslated: {message.id!r}")
    return found


def main(argv: list[str]) -> int:
    found = problems(argv[1], argv[2])
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} Dutch translation problem(s); run pybabel update and translate")
        return 1
    print("Dutch translations complete")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
