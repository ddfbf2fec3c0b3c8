"""Rule packages altered after `rules package` wrote them, as a tampered download would be (on pytest's pythonpath)."""
from __future__ import annotations

import io
import tarfile
from pathlib import Path


def forge(artifact: Path, target: Path, member_suffix: str, old: bytes, new: bytes) -> Path:
    """A copy of `artifact` at `target` whose member ending in `member_suffix` has `old` replaced by `new`."""
    with tarfile.open(artifact) as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            handle = src.extractfile(member)
            data = handle.read() if handle is not None else b""
            if member.name.endswith(member_suffix):
                assert old in data, f"{member.name} holds no {old!r}"
                data = data.replace(old, new)
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return target


def truncate(artifact: Path, target: Path) -> Path:
    """The first half of `artifact`'s bytes at `target` (a download that stopped)."""
    target.write_bytes(artifact.read_bytes()[: artifact.stat().st_size // 2])
    return target
