"""The rule pack as a release artifact that `deploy kibana` and `detect` accept (docs/deploy.md).

`cloudsift-rules-<version>.tar.gz` holds one folder, `cloudsift-rules-<version>/`, with
`manifest.json`, `kibana.ndjson` (the detection rules, versions from the lock, Kibana's import
format) and `rules/…` (each Sigma rule file and its samples, as in the repository). The version is
the tool's own plus a digest of every rule's id, version and hash: the same pack gives the same
name and, because the archive is written without times or owners, the same bytes.

`load_package` reads either the archive or its unpacked folder, checks every rule file and Kibana
rule against the manifest's sha256, and gives each rule with its Sigma source loaded (correlation
references resolved) and its Kibana rule.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaError

from detection import attack
from detection.errors import RuleError
from detection.lock import BuiltRule, Locked, kibana_sha256, versioned
from detection.pack import RuleFile, load_collection, main_rule, samples_path

FORMAT = 1
NAME = "cloudsift-rules"
MANIFEST, KIBANA_NDJSON, RULES_DIR = "manifest.json", "kibana.ndjson", "rules"
# The distributions whose code decides what a rule compiles to.
COMPILERS = ("cloudsift", "pySigma", "pysigma-backend-elasticsearch")


@dataclass(frozen=True, slots=True)
class PackagedRule:
    """One rule of a package: what the manifest says of it, its loaded Sigma rule, its Kibana rule."""

    rule_id: str
    title: str
    file: str  # inside the package: rules/<source>/<name>.yml
    version: int
    sha256: str  # the content hash (detection/lock.py)
    source: RuleFile  # the Sigma rule as loaded (no samples; they are in the archive beside it)
    kibana: dict | None  # the detection rule as deployed, None when Kibana cannot run the rule
    kibana_error: str | None = None


def _versions() -> dict[str, str]:
    out = {}
    for dist in COMPILERS:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # running from a checkout that was never installed
            out[dist] = "unknown"
    out["attack"] = attack.RELEASE
    return out


def write_package(built: Iterable[BuiltRule], lock: dict[str, Locked], root: Path, out_dir: Path) -> Path:
    """Write the package of `built` (every rule in `lock`, files under `root`) into `out_dir`; its path."""
    entries, ndjson, blobs = [], [], {}
    for rule in built:
        locked = lock.get(rule.rule_id)
        if locked is None or locked.sha256 != rule.sha256:
            raise RuleError("the version lock does not record this rule's content: run `cloudsift rules lock`",
                            str(rule.file.path))
        file = _inside(rule.file.path, root)
        blobs[file] = rule.file.path.read_bytes()
        samples = samples_path(rule.file.path)
        samples_file = _inside(samples, root) if samples.exists() else None
        if samples_file is not None:
            blobs[samples_file] = samples.read_bytes()
        kibana = versioned(rule, locked.version)
        if kibana is not None:
            ndjson.append(json.dumps(kibana, sort_keys=True, ensure_ascii=False))
        entries.append({"id": rule.rule_id, "title": rule.title, "file": file, "samples": samples_file,
                        "source_sha256": hashlib.sha256(blobs[file]).hexdigest(), "sha256": rule.sha256,
                        "version": locked.version, "kibana": kibana is not None,
                        "kibana_sha256": kibana_sha256(kibana) if kibana is not None else None,
                        "kibana_error": rule.kibana_error})
    entries.sort(key=lambda e: str(e["file"]))
    tools = _versions()
    version = f"{tools['cloudsift']}+{_digest(entries)}"
    manifest = {"format": FORMAT, "name": NAME, "version": version, "compilers": tools, "kibana": KIBANA_NDJSON,
                "rules": entries}
    blobs[MANIFEST] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    blobs[KIBANA_NDJSON] = "".join(line + "\n" for line in sorted(ndjson)).encode()
    top = f"{NAME}-{version}"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{top}.tar.gz"
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(blobs.items()):
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size, info.mode, info.mtime = len(data), 0o644, 0  # no time, no owner: reproducible bytes
            tar.addfile(info, io.BytesIO(data))
    return target


def _digest(entries: Iterable[dict]) -> str:
    """12 hex digits over every rule's (id, version, content hash): the pack's part of its version."""
    return hashlib.sha256(json.dumps(sorted((e["id"], e["version"], e["sha256"]) for e in entries)).encode()
                          ).hexdigest()[:12]


def _inside(path: Path, root: Path) -> str:
    try:
        return str(PurePosixPath(RULES_DIR) / path.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        raise RuleError(f"is outside the pack folder {root}", str(path)) from None


def read_manifest(path: Path) -> dict:
    """The manifest of a package (archive or unpacked folder), as the JSON object it is."""
    return _manifest(_files(path), path)


def load_package(path: Path) -> list[PackagedRule]:
    """Every rule of the package at `path`, checked against its manifest, in manifest order."""
    files = _files(path)
    manifest = _manifest(files, path)
    kibana: dict[str, dict] = {}
    for number, line in enumerate(files.get(manifest["kibana"], b"").decode(errors="replace").splitlines(), 1):
        try:
            rule = json.loads(line)
            kibana[rule["rule_id"]] = rule
        except (ValueError, KeyError, TypeError):
            raise RuleError(f"package {path}: altered: line {number} is no Kibana rule", manifest["kibana"]) from None
    loaded = []
    for entry in manifest["rules"]:
        data = files.get(entry["file"])
        if data is None:
            raise RuleError(f"package {path}: missing, though its manifest lists it", entry["file"])
        found = hashlib.sha256(data).hexdigest()
        if found != entry["source_sha256"]:
            raise RuleError(f"package {path}: altered: its sha256 is {found}, the manifest's {entry['source_sha256']}",
                            entry["file"])
        rule = kibana.get(entry["id"]) if entry["kibana"] else None
        if entry["kibana"] and (rule is None or kibana_sha256(rule) != entry["kibana_sha256"]
                                or rule.get("version") != entry["version"]):
            held = f"sha256 {kibana_sha256(rule)}, version {rule.get('version')}" if rule is not None else "nothing"
            raise RuleError(f"package {path}: {manifest['kibana']} altered: it holds {held} for this rule, the "
                            f"manifest sha256 {entry['kibana_sha256']}, version {entry['version']}", entry["file"])
        loaded.append((entry, rule, load_collection(Path(entry["file"]), data.decode())))
    try:  # one collection of every rule: resolves correlation references across files
        SigmaCollection([r for _, _, c in loaded for r in c.rules])
    except SigmaError as exc:
        raise RuleError(f"package {path}: correlation references: {exc}") from None
    return [PackagedRule(entry["id"], entry["title"], entry["file"], entry["version"], entry["sha256"],
                         RuleFile(Path(entry["file"]), main_rule(Path(entry["file"]), collection), ()), rule,
                         entry.get("kibana_error"))
            for entry, rule, collection in loaded]


def _manifest(files: dict[str, bytes], path: Path) -> dict:
    try:
        manifest = json.loads(files[MANIFEST])
    except (KeyError, ValueError):
        raise RuleError(f"not a rule package: no readable {MANIFEST}", str(path)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("name") != NAME:
        raise RuleError(f"not a rule package of format {FORMAT}", str(path))
    try:  # the version names the rules' ids, versions and hashes: an edited list no longer matches it
        digest = _digest(manifest["rules"])
    except (KeyError, TypeError) as exc:
        raise RuleError(f"{MANIFEST} altered: a rule entry lacks {exc}", str(path)) from None
    if not str(manifest.get("version", "")).endswith(f"+{digest}"):
        raise RuleError(f"{MANIFEST} altered: its rules digest to {digest}, its version says "
                        f"{manifest.get('version')}", str(path))
    return manifest


def _files(path: Path) -> dict[str, bytes]:
    """Name inside the package → content, for an archive or an unpacked folder (nothing is extracted)."""
    if path.is_dir():
        return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}
    try:
        with tarfile.open(path, "r:gz") as tar:
            out = {}
            for member in tar.getmembers():
                parts = PurePosixPath(member.name).parts
                if not member.isfile() or len(parts) < 2 or ".." in parts or member.name.startswith("/"):
                    continue  # one top folder of regular files; anything else is not ours to read
                handle = tar.extractfile(member)
                if handle is not None:
                    out["/".join(parts[1:])] = handle.read()
            return out
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:  # EOFError: a truncated gzip stream
        raise RuleError(f"not a rule package (truncated or damaged): {exc}", str(path)) from None
