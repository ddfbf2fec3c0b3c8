"""docs/configuration.md is the config readers' own reference: every key, default, range, flag and variable."""
from __future__ import annotations

import argparse
import ast
import dataclasses
import re
import types
import typing
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from cloudsift import cmd_ship
from cloudsift.cli import build_parser
from detection.detect import settings as detect_settings
from detection.detect.timing import parse_duration
from shipper import config as ship_config

from .conftest import DOCS, ROOT

DOC = (DOCS / "configuration.md").read_text()
ENV_NAME = re.compile(r"(?:CLOUDSIFT|ELASTICSEARCH|KIBANA)_[A-Z0-9_]+")
PACKAGES = ("cloudsift", "shipper", "detection", "deploy", "normalizer")
# The detector's file says `for` where its dataclass says `period` (`for` is a Python keyword).
DETECT_KEY = {"period": "for"}
# `--from` and the source flags go to the one source they create (cloudsift/cmd_ship.py settings_from_args).
SOURCE_FLAGS = ("region", "profile", "prefixes", "role_arn", "poll_seconds", "wait_seconds", "visibility_timeout")


def _section(title: str) -> dict[str, list[str]]:
    """The table under `## <title>…`: key (first cell, backticks off) → its cells."""
    text = DOC.split(f"\n## {title}", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and cells:
            rows[cells[0].strip("`")] = cells
    return rows


def _leaves(cls: type, prefix: str, rename: dict[str, str]) -> Iterator[tuple[str, Any, Any]]:
    """(dotted key, type hint, default) of every leaf setting of dataclass `cls`, lists as `[]`, maps by `<id>`."""
    hints = typing.get_type_hints(cls, include_extras=True)
    for f in dataclasses.fields(cls):
        key = prefix + rename.get(f.name, f.name)
        hint = _optional(hints[f.name])
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if dataclasses.is_dataclass(hint):
            yield from _leaves(typing.cast(type, hint), key + ".", rename)
        elif origin is tuple and dataclasses.is_dataclass(args[0]):
            yield from _leaves(args[0], key + "[].", rename)
        elif origin is dict and dataclasses.is_dataclass(args[1]):
            yield from _leaves(args[1], key + ".<id>.", rename)
        else:
            default = f.default if f.default is not dataclasses.MISSING else (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else dataclasses.MISSING)
            yield key, hints[f.name], default


def _optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        return next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


def _quoted(cell: str) -> str | None:
    """A cell's one `value`, or None for prose such as (required…)."""
    match = re.fullmatch(r"`([^`]*)`", cell)
    return match[1] if match else None


def _flags(area: str) -> set[str]:
    parser = build_parser([area])
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {opt for action in sub.choices[area]._actions for opt in action.option_strings}


SHIP = {key: (hint, default) for key, hint, default in _leaves(ship_config.Settings, "", {})}
DETECT = {key: (hint, default) for key, hint, default in _leaves(detect_settings.Settings, "", DETECT_KEY)}


def test_shipper_keys_are_the_config_readers() -> None:
    """The shipper table lists exactly the settings shipper/config.py accepts."""
    assert sorted(_section("Shipper")) == sorted(SHIP)


def test_shipper_defaults_types_and_ranges_are_the_codes() -> None:
    """Each quoted default is the dataclass default; the type and range columns say what the reader enforces."""
    for key, cells in _section("Shipper").items():
        hint, default = SHIP[key]
        expected = list(default) if isinstance(default, tuple) else default  # YAML lists are tuples in the dataclasses
        assert yaml.safe_load(_quoted(cells[2]) or "") == expected, key
        assert cells[1] == _type_name(hint), key
        assert cells[3] == _range(hint), key


def _type_name(hint: Any) -> str:
    base = _optional(hint)
    if typing.get_origin(base) is typing.Annotated:
        base = base.__origin__
    if typing.get_origin(base) is tuple:
        return "list of strings"
    if typing.get_origin(base) is dict:
        return "map of strings"
    name = {str: "string", int: "integer", float: "number", bool: "boolean"}[base]
    return f"{name} or null" if _optional(hint) is not hint else name


def _range(hint: Any) -> str:
    if typing.get_origin(hint) is typing.Annotated:
        base, bounds = hint.__origin__, next(m for m in hint.__metadata__ if isinstance(m, ship_config.Bounds))
    elif hint in (int, float):
        base, bounds = hint, ship_config.Bounds()
    else:
        return ""
    low = int(bounds.low) if base is int or bounds.low == int(bounds.low) else bounds.low
    if bounds.high < ship_config.LARGEST:
        return f"{low}–{int(bounds.high)}"
    return f"{'>' if bounds.above else '>='} {low}"


def test_shipper_flags_are_the_commands() -> None:
    """A key's flag is the `cloudsift ship` option that sets it, and every such option is listed."""
    code = {key: "--" + flag.replace("_", "-") for flag, key in cmd_ship.FLAGS.items()}
    code.update({f"sources[].{flag}": "--" + flag.replace("_", "-") for flag in SOURCE_FLAGS})
    code.update({"sources[].url": "--from", "once": "--once", "original": "--original",
                 "elasticsearch.compress": "--no-compress"})
    documented = {key: _quoted(cells[4]) for key, cells in _section("Shipper").items() if cells[4]}
    assert documented == code
    assert set(code.values()) <= _flags("ship")


def test_detector_keys_are_the_settings_readers() -> None:
    """The detector table lists exactly the settings of detection/detect/settings.py."""
    assert sorted(_section("Detector")) == sorted(DETECT)


def test_detector_reader_accepts_every_documented_key(tmp_path: Path) -> None:
    """Each documented key, written into a settings file, is not an unknown setting (and a made-up one is)."""
    for key in [*_section("Detector"), "webhook.no_such_key"]:
        data: dict = {}
        node = data
        *parents, last = key.replace("<id>", "some-rule").split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = "x"
        path = tmp_path / "detect.yml"
        path.write_text(yaml.safe_dump(data))
        try:
            detect_settings.load(path, {})
            problems: list[str] = []
        except detect_settings.SettingsError as exc:
            problems = exc.problems
        unknown = [p for p in problems if "unknown setting" in p]
        assert bool(unknown) == (key == "webhook.no_such_key"), (key, unknown)


def test_detector_defaults_and_flags_are_the_codes() -> None:
    """Each quoted default is the dataclass default; each flag is a `cloudsift detect` option."""
    flags = _flags("detect")
    for key, cells in _section("Detector").items():
        _, default = DETECT[key]
        quoted = _quoted(cells[2])
        if quoted is not None:
            if isinstance(default, timedelta):
                assert parse_duration(quoted) == default, key
            else:
                assert yaml.safe_load(quoted) == default, key
        if cells[3]:
            assert _quoted(cells[3]) in flags, key


def _code_env_names() -> set[str]:
    """Environment variables the packages and scripts read: whole string constants, and shell `$VAR`s."""
    names: set[str] = set()
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    scripts = [p for p in (ROOT / "scripts").iterdir() if p.is_file()]
    for path in files + [p for p in scripts if p.read_text().startswith("#!/usr/bin/env python")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and ENV_NAME.fullmatch(node.value):
                names.add(node.value)
    for path in scripts:
        if not path.read_text().startswith("#!/usr/bin/env python"):
            names.update(re.findall(r"\$\{?(" + ENV_NAME.pattern + ")", path.read_text()))
    return names


def test_environment_variables_are_the_codes() -> None:
    """The environment table lists exactly the CLOUDSIFT_*, ELASTICSEARCH_* and KIBANA_* variables read."""
    assert sorted(_section("Environment variables")) == sorted(_code_env_names())
