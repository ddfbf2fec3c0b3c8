"""URLs as they may be shown, and the shape an Elasticsearch URL must have.

A URL the user gave may carry a password (`https://elastic:…@host`) or a key in its query; every
message and log line that shows such a URL shows `redact(url)`, never the URL itself.

Elasticsearch may be given as several URLs, one per node, separated by commas
(`http://10.0.0.1:9200,http://10.0.0.2:9200`): the client spreads requests over them and goes on
with the others while one is down.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

MASK = "***"
ES_URL_FORM = "http://host:port or https://host[:port]"
# A comma starts the next URL only where a scheme follows: a password may hold a comma (RFC 3986
# allows it unencoded in userinfo), and splitting there would show the rest of it.
_NEXT_URL = re.compile(r",\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)")


def split_urls(text: str) -> list[str]:
    """The URLs of a comma-separated list (one URL: a list of one)."""
    return [part.strip() for part in _NEXT_URL.split(text)]


def redact(url: str) -> str:
    """`url` with its userinfo and query values masked: `https://***@host:9200/?api_key=***` (each of a list)."""
    urls = split_urls(url)
    if len(urls) > 1:
        return ",".join(map(redact, urls))
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    # The last '@' ends the userinfo even when an unencoded password holds '/', '?' or '#':
    # masking too much of a malformed URL is harmless, showing part of a password is not.
    _, at, rest = rest.rpartition("@")
    rest, hashed, _ = rest.partition("#")
    base, asked, query = rest.partition("?")
    shown = scheme + sep + (MASK + "@" if at else "") + base
    if asked:
        pairs = (part.partition("=") for part in query.split("&"))
        shown += "?" + "&".join(f"{name}={MASK}" if eq else MASK for name, eq, _ in pairs)
    return shown + ("#" + MASK if hashed else "")


def http_problem(url: str) -> str | None:
    """Why `url` (or one URL of a comma-separated list) cannot address Elasticsearch, or None when all can."""
    urls = split_urls(url)
    if len(urls) > 1:
        return next((problem for problem in map(http_problem, urls) if problem), None)
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number 0-65535
    except ValueError:
        parts, port = None, None
    if (parts is None or " " in url or not url.isprintable() or parts.scheme not in ("http", "https") or not parts.hostname
            or (parts.scheme == "http" and port is None)):  # only https has a default port for the client
        return f"not an Elasticsearch URL: {redact(url)!r} (expected {ES_URL_FORM})"
    return None
