"""Headless Chromium (Debian's `chromium`, installed by scripts/setup-env) for the tests of cloudsift's pages.

`load` opens a page from disk and returns the DOM Chromium built, parsed into `Element`s, and the URLs
the page asked the network for (from Chromium's own NetLog), so a test can prove a page self-contained.
"""
from __future__ import annotations

import json
import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

VOID = {"meta", "br", "img", "input", "link", "hr", "source"}
# Chromium's own background traffic (updates, sync, account checks) stays off, so a NetLog holds the page's.
QUIET = ("--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--no-first-run", "--no-pings")


class Element:
    """A DOM element as Chromium serialized it."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element] = []
        self.text = ""

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()

    def all_text(self) -> str:
        return self.text + "".join(c.all_text() for c in self.children)


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.text += data


def parse(markup: str) -> Element:
    """The document tree of serialized HTML."""
    tree = _Tree()
    tree.feed(markup)
    return tree.root


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with `args`, bounded in time; fails the test when it fails."""
    binary = shutil.which("chromium")
    assert binary, "chromium is missing: scripts/setup-env installs it (apt-get install chromium)"
    return subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", *args],
                          capture_output=True, text=True, timeout=120, check=True)


@dataclass(frozen=True)
class Loaded:
    """A page as Chromium loaded it: its DOM and the network requests it made."""

    dom: Element
    requests: tuple[str, ...]


def load(page: Path, scratch: Path) -> Loaded:
    """Open `page` (a file) in a fresh profile under `scratch`: its DOM, and every URL it requested."""
    netlog = scratch / "netlog.json"
    proc = chromium(f"--user-data-dir={scratch / 'profile'}", *QUIET, f"--log-net-log={netlog}", "--dump-dom",
                    page.as_uri())
    return Loaded(parse(proc.stdout), _page_requests(netlog))


def _page_requests(netlog: Path) -> tuple[str, ...]:
    """The URLs of the requests a file:// page started (its network isolation key is file://)."""
    log = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return tuple(event["params"]["url"] for event in log["events"]
                 if event["type"] == start and event.get("params", {}).get("network_isolation_key", "")
                 .startswith("file://"))


def screenshot(page: Path, shot: Path, window: tuple[int, int], scratch: Path) -> tuple[int, int]:
    """Paint `page` into the PNG `shot` at the window size; the PNG's (width, height)."""
    shot.unlink(missing_ok=True)
    chromium(f"--user-data-dir={scratch}", f"--window-size={window[0]},{window[1]}", "--hide-scrollbars",
             f"--screenshot={shot}", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    return width, height
