"""Atom feed of published changes, built with feedgen."""

from __future__ import annotations

from collections.abc import Callable

from feedgen.feed import FeedGenerator
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.db import utcnow
from register.models import AlgorithmVersion


def build(
    versions: list[AlgorithmVersion],
    *,
    feed_url: str,
    site_url: str,
    title: str,
    entry_url: Callable[[str, int], str],
) -> bytes:
    generator = FeedGenerator()
    generator.id(feed_url)
    generator.title(title)
    generator.link(href=site_url, rel="alternate")
    generator.link(href=feed_url, rel="self")
    generator.language(str(get_locale() or "nl"))
    generator.updated(versions[0].published_at if versions else utcnow())
    # feedgen prepends entries; add oldest first so the newest ends up on top.
    for version in reversed(versions):
        algorithm = version.algorithm
        item = generator.add_entry()
        link = entry_url(algorithm.slug, version.number)
        item.id(link)
        name = version.content.get("name", algorithm.name)
        item.title(_("%(name)s (version %(number)d)", name=name, number=version.number))
        item.link(href=link)
        item.updated(version.published_at)
        item.published(version.published_at)
        changed = ", ".join(version.changed_fields)
        summary = version.summary or ""
        item.summary(
            _("%(summary)s. Changed: %(fields)s", summary=summary, fields=changed)
            if changed
            else summary
        )
    return generator.atom_str(pretty=True)
