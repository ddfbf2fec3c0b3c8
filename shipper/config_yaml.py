"""Settings YAML, read strictly: safe tags only, no duplicate keys, bounded size, depth and expansion.

`yaml.safe_load` alone takes the last of two equal keys silently, lets a few hundred bytes of
aliases expand to gigabytes (billion laughs) and recurses once per nesting level; a settings
file needs none of that, so each is refused with its line.
"""
from __future__ import annotations

from typing import Any

import yaml

from shipper.errors import ConfigError

MAX_BYTES = 1024 * 1024  # a settings file is a few KB
MAX_DEPTH = 32  # the deepest setting is four levels down
MAX_VALUES = 100_000  # scalars, lists and mappings after aliases are expanded

_MERGE = "tag:yaml.org,2002:merge"


def parse(text: str | bytes, source: str) -> Any:
    """The YAML document in `text` as Python values; ConfigError names `source`, the line and the key path."""
    if len(text) > MAX_BYTES:
        raise ConfigError([f"{source}: larger than {MAX_BYTES} bytes, not a settings file"])
    try:
        _check_depth(text, source)
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_nodes(node, source)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        line = f":{exc.problem_mark.line + 1}" if exc.problem_mark else ""
        raise ConfigError([f"{source}{line}: not valid YAML: {exc.problem or exc.context}"]) from None
    except yaml.reader.ReaderError as exc:  # bytes that are not UTF-8/16 text, or a control character
        raise ConfigError([f"{source}: not valid YAML: {exc.reason} at position {exc.position}"]) from None


def _check_depth(text: str | bytes, source: str) -> None:
    # The event parser is iterative; the composer that builds nodes recurses once per level.
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError([f"{source}:{_line(event)}: nested deeper than {MAX_DEPTH} levels"])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_nodes(root: yaml.Node, source: str) -> None:
    """Every key once per mapping (all duplicates reported), and at most MAX_VALUES values once expanded."""
    problems: list[tuple[int, str]] = []
    checked: set[int] = set()  # mappings reached again through an alias are counted, not re-reported
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    visited = 0
    while stack:
        node, path = stack.pop()
        visited += 1
        if visited > MAX_VALUES:
            raise ConfigError([f"{source}: expands to more than {MAX_VALUES} values (YAML aliases?)"])
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Node] = {}
            for key, value in node.value:
                if key.tag == _MERGE:  # `<<: *defaults`: its keys are overridden on purpose
                    stack.append((value, path))
                    continue
                name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
                where = f"{path}.{name}" if path else name
                stack.append((value, where))
                if isinstance(key, yaml.ScalarNode) and id(node) not in checked:
                    earlier = first.setdefault((key.tag, key.value), key)
                    if earlier is not key:
                        text = f"{source}:{_line(key)}: {where}: duplicate key (first at line {_line(earlier)})"
                        problems.append((_line(key), text))
            checked.add(id(node))
    if problems:
        raise ConfigError([text for _, text in sorted(problems)])


def _line(item: yaml.Node | yaml.Event) -> int:
    mark = item.start_mark
    return mark.line + 1 if mark is not None else 0
