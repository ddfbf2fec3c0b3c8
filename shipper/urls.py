"""URLs as they may be shown, and the shape an Elasticsearch URL must have.

A URL the user gave may carry a password (`https://elastic:…@host`) or a key in its query; every
message and log line that shows such a URL shows `redact(url)`, never the URL itself.
"""
from __future__ import annotations

from urllib.parse import urlsplit

MASK = "***"
ES_URL_FORM = "http://host:port or https://host[:port]"


def redact(url: str) -> str:
    """`url` with its userinfo and query values masked: `https://***@host:9200/?api_key=***`."""
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
    """Why `url` cannot address Elasticsearch (scheme, host, port), or None when it can."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number 0-65535
    except ValueError:
        parts, port = None, None
    if (parts is None or " " in url or not url.isprintable() or parts.scheme not in ("http", "https") or not parts.hostname
            or (parts.scheme == "http" and port is None)):  # only https has a default port for the client
        return f"not an Elasticsearch URL: {redact(url)!r} (expected {ES_URL_FORM})"
    return None
