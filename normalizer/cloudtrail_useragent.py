"""A small user-agent parser for the callers CloudTrail sees: AWS CLI/SDKs, AWS services, console browsers.

Elastic parses `userAgent` with Elasticsearch's user_agent processor (the uap-core rules).
Those rules are thousands of regexes for the open web; CloudTrail's agents are a narrow
set, so this module covers them with a handful of rules and gives the same answers for
them: `aws-cli/2.17.60 …` → name aws-cli, version 2.17.60; `Linux/4.9.184-…` → os Linux
4.9.184; a browser → its family, version, OS and device; anything else → name "Other".
uap-core calls any agent containing "bot" (botocore, Boto3) a "Spider" device; so does this
module, for parity with documents indexed by Elastic's integration.
"""
from __future__ import annotations

import re
from typing import Any

_MAX_CACHED = 20_000
_MAX_CACHED_CHARS = 1024  # real agents are short; a huge one is parsed but not remembered
_CACHE: dict[str, dict[str, Any]] = {}

# A product token at the start: `aws-cli/2.17.60`, `[aws-cli/1.11.10 …]`, `aws-sdk-go/1.55.5 (…)`.
_PRODUCT = re.compile(r"\[?([A-Za-z][\w.\-]*)/(\d+(?:\.\d+){0,3})")
_LINUX = re.compile(r"\bLinux/(\d+)\.(\d+)(?:\.(\d+))?")
_SPIDER = re.compile(r"bot|crawl|spider|slurp|scrap|archiver|indexer", re.IGNORECASE)
# Browser families, most specific first (Edge and Opera also say "Chrome", Chrome says "Safari").
_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/(\d+(?:\.\d+){0,3})")),
    ("Opera", re.compile(r"\bOPR/(\d+(?:\.\d+){0,3})")),
    ("Firefox", re.compile(r"\bFirefox/(\d+(?:\.\d+){0,3})")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS)/(\d+(?:\.\d+){0,3})")),
    ("Safari", re.compile(r"\bVersion/(\d+(?:\.\d+){0,3})(?: Mobile/\S+)? Safari/")),
)
_WINDOWS = re.compile(r"Windows NT (\d+\.\d+)")
_WINDOWS_NAMES = {"10.0": "10", "6.3": "8.1", "6.2": "8", "6.1": "7", "6.0": "Vista", "5.2": "XP", "5.1": "XP"}
_IOS = re.compile(r"(?:iPhone|CPU) OS (\d+)_(\d+)(?:_(\d+))?")
_MACOS = re.compile(r"Mac OS X (\d+)[_.](\d+)(?:[_.](\d+))?")
_ANDROID = re.compile(r"Android (\d+(?:\.\d+){0,2})")


def parse(agent: str) -> dict[str, Any]:
    """ECS user_agent fields (without `original`) for `agent`; a fresh dict on every call."""
    cached = _CACHE.get(agent)
    if cached is None:
        cached = _parse(agent)
        if len(agent) <= _MAX_CACHED_CHARS:
            if len(_CACHE) >= _MAX_CACHED:
                _CACHE.clear()
            _CACHE[agent] = cached
    return {key: dict(value) if type(value) is dict else value for key, value in cached.items()}


def _parse(agent: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": "Other"}
    if "Mozilla/" in agent:
        _browser(agent, out)
    else:
        product = _PRODUCT.match(agent)
        if product:
            out["name"], out["version"] = product.group(1), product.group(2)
        linux = _LINUX.search(agent)
        if linux:
            _os(out, "Linux", ".".join(part for part in linux.groups() if part))
    out["device"] = {"name": _device(agent)}
    return out


def _browser(agent: str, out: dict[str, Any]) -> None:
    for family, pattern in _BROWSERS:
        match = pattern.search(agent)
        if match:
            out["name"], out["version"] = family, match.group(1)
            break
    windows = _WINDOWS.search(agent)
    ios = _IOS.search(agent)
    mac = _MACOS.search(agent)
    android = _ANDROID.search(agent)
    if windows:
        _os(out, "Windows", _WINDOWS_NAMES.get(windows.group(1)))
    elif ios:
        _os(out, "iOS", ".".join(part for part in ios.groups() if part))
    elif android:
        _os(out, "Android", android.group(1))
    elif mac:
        _os(out, "Mac OS X", ".".join(part for part in mac.groups() if part))
    elif "CrOS" in agent:
        _os(out, "Chrome OS", None)
    elif "Linux" in agent:
        _os(out, "Linux", None)


def _os(out: dict[str, Any], name: str, version: str | None) -> None:
    out["os"] = {"name": name, "version": version, "full": f"{name} {version}"} if version else {"name": name}


def _device(agent: str) -> str:
    if _SPIDER.search(agent):
        return "Spider"
    for marker, device in (("iPhone", "iPhone"), ("iPad", "iPad"), ("Macintosh", "Mac")):
        if marker in agent:
            return device
    return "Other"
