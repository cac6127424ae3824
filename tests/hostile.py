"""Checks for hostile-input tests: is there live markup in a page, and which pages exist."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import pypdf

PAYLOADS = [
    line
    for line in (Path(__file__).parent / "data" / "xss_payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]
# Elements our templates never produce: any of them in a page came from input.
FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "svg", "math", "img", "video", "audio", "source",
    "marquee", "details", "template", "noscript", "base", "x", "isindex", "frame", "frameset",
    "applet", "animate",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class _MarkupScanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.bodies = 0
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "head":
            self.in_head = True
        if tag == "body":
            self.bodies += 1
            self.in_head = False
        own_script = tag == "script" and (dict(attrs).get("src") or "").startswith("/static/")
        # The pages' own disclosure widgets carry an app- class; sanitised input has none.
        own_details = tag == "details" and (dict(attrs).get("class") or "").startswith("app-")
        if tag in FORBIDDEN_TAGS and not (own_script or own_details):
            self.problems.append(f"<{tag}>")
        if tag == "style" and not self.in_head:
            self.problems.append("<style> in body")
        if tag == "meta" and any(k == "http-equiv" for k, _v in attrs):
            self.problems.append("<meta http-equiv>")
        if tag == "form":
            action = dict(attrs).get("action") or ""
            if urlsplit(action).netloc:
                self.problems.append(f"form posting to {action}")
        if tag == "link" and not (dict(attrs).get("href") or "").startswith("/"):
            self.problems.append(f"<link href={dict(attrs).get('href')}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name in ("style", "formaction", "srcdoc", "background"):
                self.problems.append(f"<{tag} {name}>")
            cleaned = re.sub(r"[\s\x00-\x1f]", "", (value or "")).lower()
            if name in ("href", "src", "action", "data") and cleaned.startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value}>")


def live_markup(html: str) -> list[str]:
    """Problems: markup that input managed to turn into real elements or attributes."""
    scanner = _MarkupScanner()
    scanner.feed(html)
    problems = list(scanner.problems)
    if scanner.bodies > 1:
        problems.append("more than one <body>")
    for payload in PAYLOADS:
        if "<" in payload and payload in html:
            problems.append(f"raw payload {payload[:40]!r}")
    return problems


def feed_problems(xml: bytes) -> list[str]:
    """Atom: well-formed, and any HTML content it carries is itself free of live markup."""
    root = ElementTree.fromstring(xml)  # noqa: S314 - our own feed, read back in a test
    problems = []
    for element in root.iter():
        if element.get("type") in ("html", "xhtml") and element.text:
            problems += live_markup(element.text)
    return problems


def pdf_texts(data: bytes) -> tuple[str, dict]:
    """The text of every page and the embedded JSON of a record."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    attachment = reader.attachments.get("toetsing.json")
    return text, json.loads(attachment[0]) if attachment else {}


def crawl_public(client, start_paths: list[str], limit: int = 400) -> dict[str, object]:
    """GET every same-site public URL reachable from `start_paths` (not /intern, not POST)."""
    seen: dict[str, object] = {}
    queue = list(start_paths)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response
        if response.mimetype != "text/html":
            continue
        for href in re.findall(r'href="([^"]+)"', response.get_data(as_text=True)):
            href = href.replace("&amp;", "&")
            target = urlsplit(urljoin("http://register.test" + path, href))
            if target.netloc not in ("", "register.test") or target.path.startswith("/intern"):
                continue
            if target.path.startswith(("/static", "/taal")):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link not in seen and link not in queue:
                queue.append(link)
    return seen
