"""Absolute links, always built from SITE_URL and never from the request's Host header.

A Host header is whatever the client sends; links built from it would let anyone plant
their own domain in the feed, the API or an invitation (and the page cache would hand that
to every later reader). Mails and records already used SITE_URL; now every link does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def site_url() -> str:
    """The public base address, without a trailing slash (e.g. https://register.utrecht.nl)."""
    return current_app.config["SITE_URL"].rstrip("/")


def site_host() -> str:
    """The host name of SITE_URL, without port."""
    return urlsplit(site_url()).hostname or ""


def absolute_url(endpoint: str, **values) -> str:
    """Like url_for(..., _external=True), but on SITE_URL's scheme, host and path prefix."""
    site = urlsplit(site_url())
    adapter = current_app.url_map.bind(
        site.netloc,
        script_name=site.path or "/",
        url_scheme=site.scheme or "https",
    )
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def absolute_path(path: str) -> str:
    """SITE_URL plus an already built path such as /algoritmes/x/records/3.pdf."""
    return site_url() + "/" + path.lstrip("/")
