"""Generate the ATT&CK table cloudsift ships (detection/attack_enterprise.py) and its NOTICE.

    python -m detection.attack_gen SOURCE.json        (or scripts/gen-attack SOURCE.json)

SOURCE is MITRE's STIX 2.1 bundle of ATT&CK Enterprise (`enterprise-attack-<version>.json`, from
github.com/mitre-attack/attack-stix-data) or an extract of it with `source`, `tactics` and
`techniques` lists. Revoked and deprecated techniques are left out. The table is generated, never
edited, so a new ATT&CK release is one command; pySigma's own ATT&CK data is fetched from the
network at run time, and `rules check` must work offline.
"""
from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from detection.attack_model import Tactic, Technique

HERE = Path(__file__).resolve().parent
TABLE = HERE / "attack_enterprise.py"
NOTICE = HERE / "NOTICE-ATTACK.md"

# MITRE's terms of use (attack.mitre.org/resources/legal-and-branding/terms-of-use): every copy of
# ATT&CK must reproduce this copyright designation and licence.
MITRE_NOTICE = (
    "© 2026 The MITRE Corporation. This work is reproduced and distributed with the permission of\n"
    "The MITRE Corporation. ATT&CK® is a registered trademark of The MITRE Corporation. MITRE grants\n"
    "a non-exclusive, royalty-free license to use ATT&CK for research, development, and commercial\n"
    "purposes; any copy must reproduce MITRE's copyright designation and this license\n"
    "(attack.mitre.org/resources/legal-and-branding/terms-of-use)."
)


# The platforms of ATT&CK's cloud matrices, in the order the table lists them; the others are left out.
CLOUD_PLATFORMS = ("IaaS", "SaaS", "Identity Provider", "Office Suite")


def _cloud(platforms: object) -> tuple[str, ...]:
    given = set(platforms) if isinstance(platforms, list) else set()
    return tuple(p for p in CLOUD_PLATFORMS if p in given)


class GenError(Exception):
    """The source is not ATT&CK data this generator understands; the message says why."""


@dataclass(frozen=True, slots=True)
class Matrix:
    """What the table holds: where it came from, the tactics in matrix order, the techniques by id."""

    release: str  # e.g. "MITRE ATT&CK Enterprise v18.1"
    source: str  # the release and the file it was read from
    tactics: tuple[Tactic, ...]
    techniques: tuple[Technique, ...]


def read(path: Path) -> Matrix:
    """The Enterprise matrix of a STIX bundle or of an extract, checked for consistency."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GenError(f"{path}: cannot read ATT&CK data: {exc}") from None
    if not isinstance(data, dict):
        raise GenError(f"{path}: expected a JSON object")
    matrix = _from_stix(data, path) if "objects" in data else _from_extract(data, path)
    _check(matrix, path)
    return matrix


def _from_extract(data: dict, path: Path) -> Matrix:
    try:
        tactics = tuple(Tactic(t["id"], t["name"], t["shortname"]) for t in data["tactics"])
        techniques = tuple(
            Technique(t["id"], t["name"], tuple(t["tactics"]), _cloud(t.get("platforms")))
            for t in data["techniques"] if not t.get("revoked") and not t.get("deprecated")
        )
        source = str(data["source"])
        # The extract names its release first: "MITRE ATT&CK Enterprise v18.1 (STIX 2.1 bundle …), …".
        return Matrix(source.partition(" (")[0], source, tactics, techniques)
    except (KeyError, TypeError) as exc:
        raise GenError(f"{path}: not an ATT&CK extract (missing {exc})") from None


def _attack_id(obj: dict) -> str | None:
    for ref in obj.get("external_references", ()):
        if ref.get("source_name") == "mitre-attack" and ref.get("external_id"):
            return str(ref["external_id"])
    return None


def _active(obj: dict) -> bool:
    return not obj.get("revoked", False) and not obj.get("x_mitre_deprecated", False)


def _from_stix(data: dict, path: Path) -> Matrix:
    objects = [o for o in data["objects"] if isinstance(o, dict)]
    by_ref = {o.get("id"): o for o in objects}
    tactic_objects = [o for o in objects if o.get("type") == "x-mitre-tactic" and _active(o)]
    matrices = [o for o in objects if o.get("type") == "x-mitre-matrix" and _active(o)]
    if matrices:  # the matrix lists its tactics in the order analysts know them
        tactic_objects = [by_ref[ref] for ref in matrices[0].get("tactic_refs", ()) if ref in by_ref]
    tactics = []
    for obj in tactic_objects:
        ident = _attack_id(obj)
        if ident is None:
            raise GenError(f"{path}: tactic {obj.get('name')!r} has no ATT&CK id")
        tactics.append(Tactic(ident, str(obj["name"]), str(obj["x_mitre_shortname"])))
    techniques = []
    for obj in objects:
        if obj.get("type") != "attack-pattern" or not _active(obj):
            continue
        ident = _attack_id(obj)
        if ident is None:
            raise GenError(f"{path}: technique {obj.get('name')!r} has no ATT&CK id")
        phases = tuple(p["phase_name"] for p in obj.get("kill_chain_phases", ())
                       if p.get("kill_chain_name") == "mitre-attack")
        techniques.append(Technique(ident, str(obj["name"]), phases, _cloud(obj.get("x_mitre_platforms"))))
    collections = [o for o in objects if o.get("type") == "x-mitre-collection"]
    if not collections:
        raise GenError(f"{path}: no x-mitre-collection object names the ATT&CK release")
    release = f"MITRE {collections[0]['name']} v{collections[0].get('x_mitre_version', '?')}"
    return Matrix(release, f"{release} (STIX bundle {path.name})", tuple(tactics),
                  tuple(sorted(techniques, key=lambda t: t.id)))


def _check(matrix: Matrix, path: Path) -> None:
    known = {t.shortname for t in matrix.tactics}
    if not matrix.tactics or not matrix.techniques:
        raise GenError(f"{path}: no tactics or no techniques")
    ids = [t.id for t in matrix.techniques]
    if len(set(ids)) != len(ids):
        raise GenError(f"{path}: a technique id appears twice")
    for technique in matrix.techniques:
        unknown = set(technique.tactics) - known
        if not technique.tactics or unknown:
            raise GenError(f"{path}: {technique.id} names tactics {sorted(unknown) or 'none'} the matrix lacks")
        parent = technique.id.partition(".")[0]
        if parent != technique.id and parent not in ids:
            raise GenError(f"{path}: sub-technique {technique.id} has no active parent {parent}")


# The table keeps to the project's line length: an entry too long for one line spans three.
LINE_LENGTH = 110


def _entry(key: str, *values: object) -> list[str]:
    """`key: (values…),` as Python source (repr is the serializer), on one line when it fits."""
    inner = ", ".join(map(repr, values)) + ("," if len(values) == 1 else "")  # a 1-tuple keeps its comma
    line = f"    {key!r}: ({inner}),"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [f"    {key!r}: (", *(f"        {v!r}," for v in values), "    ),"]


def _assign(name: str, value: str) -> list[str]:
    """`NAME = 'value'`, split into adjacent literals when too long for one line."""
    line = f"{name} = {value!r}"
    if len(line) <= LINE_LENGTH:
        return [line]
    words = textwrap.wrap(value, LINE_LENGTH - 10, drop_whitespace=False)
    return [f"{name} = (", *(f"    {w!r}" for w in words), ")"]


def table_source(matrix: Matrix) -> str:
    """The text of detection/attack_enterprise.py: pure data, one technique an entry."""
    lines = [
        '"""MITRE ATT&CK® Enterprise: every active technique and sub-technique, with its tactics.',
        "",
        "Generated by `scripts/gen-attack` from the data SOURCE names. Do not edit: regenerate.",
        "MITRE's notice (also in NOTICE-ATTACK.md beside this file):",
        "",
        *MITRE_NOTICE.splitlines(),
        '"""',
        "",
        *_assign("RELEASE", matrix.release),
        *_assign("SOURCE", matrix.source),
        "",
        "# Tactic short name → (id, name), in matrix order.",
        "TACTICS: dict[str, tuple[str, str]] = {",
        *(line for t in matrix.tactics for line in _entry(t.shortname, t.id, t.name)),
        "}",
        "",
        "# Technique id → (name, tactic short names).",
        "TECHNIQUES: dict[str, tuple[str, tuple[str, ...]]] = {",
        *(line for t in matrix.techniques for line in _entry(t.id, t.name, t.tactics)),
        "}",
        "",
        f"# Technique id → its cloud platforms ({', '.join(CLOUD_PLATFORMS)}): the cloud matrices.",
        "# Techniques of no cloud platform are not listed; other platforms are not kept.",
        "PLATFORMS: dict[str, tuple[str, ...]] = {",
        *(line for t in matrix.techniques if t.platforms for line in _entry(t.id, *t.platforms)),
        "}",
        "",
    ]
    return "\n".join(lines)


def notice_text(matrix: Matrix) -> str:
    """The NOTICE shipped beside the table."""
    return (
        "# MITRE ATT&CK® notice\n\n"
        "`attack_enterprise.py` in this folder is generated from MITRE ATT&CK® data:\n"
        f"{matrix.source}.\n\n"
        f"{MITRE_NOTICE}\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Write the table and its NOTICE from SOURCE; exit 1 with one line when SOURCE is unusable."""
    parser = argparse.ArgumentParser(prog="scripts/gen-attack", description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="ATT&CK Enterprise STIX bundle or extract (JSON)")
    parser.add_argument("--out", type=Path, default=TABLE, help=f"the table to write (default: {TABLE})")
    args = parser.parse_args(argv)
    try:
        matrix = read(args.source)
    except GenError as exc:
        print(f"gen-attack: error: {exc}", file=sys.stderr)
        return 1
    args.out.write_text(table_source(matrix), encoding="utf-8")
    args.out.with_name(NOTICE.name).write_text(notice_text(matrix), encoding="utf-8")
    print(f"{args.out}: {len(matrix.tactics)} tactics, {len(matrix.techniques)} techniques", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
