"""Escaped HTML: the one way cloudsift's pages (coverage.html, the report) build their markup.

Text and attribute values go through `html.escape`; only markup `el` itself returned (`Node`) is kept
as it is. Rule titles, and in the report alert and event values an attacker chose, never reach a page
unescaped because nothing else writes markup.
"""
from __future__ import annotations

import html

Node = str  # markup already escaped by el


def el(tag: str, attrs: dict[str, str] | None = None, *children: Node | None) -> Node:
    """One element: attribute values and `text` children escaped, `Node` children kept as they are."""
    return f"<{tag}{_attrs(attrs)}>{''.join(c for c in children if c)}</{tag}>"


def void(tag: str, attrs: dict[str, str] | None = None) -> Node:
    """An element without content or end tag (`meta`, `br`), its attribute values escaped."""
    return f"<{tag}{_attrs(attrs)}>"


def _attrs(attrs: dict[str, str] | None) -> str:
    return "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in (attrs or {}).items())


def text(value: str) -> Node:
    """Character data, escaped."""
    return html.escape(value, quote=False)
