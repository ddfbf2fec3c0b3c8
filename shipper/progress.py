"""What a run tells its operator: a progress line on a terminal, structured JSON logs otherwise."""
from __future__ import annotations

import resource
import sys
import threading
import time
from datetime import UTC, datetime
from typing import TextIO

import orjson

COUNTERS = ("objects", "records", "bytes", "indexed", "duplicates", "deadlettered", "skipped", "unroutable",
            "failed_objects", "objects_deadlettered", "retries", "fatal")


def total(parts: list[dict]) -> dict:
    """Counters summed across workers (errors concatenated, capped; peak RSS is the largest worker's)."""
    out: dict = {name: sum(p.get(name, 0) for p in parts) for name in COUNTERS}
    out["errors"] = [e for p in parts for e in p.get("errors", [])][:20]
    out["peak_rss_mb"] = max((p.get("peak_rss_mb", 0) for p in parts), default=0)
    return out


def peak_rss_mb() -> int:
    """This process's peak resident memory in MB since it started (exec) its program."""
    # VmHWM belongs to the address space, so unlike ru_maxrss it does not inherit a forking parent's peak.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


class Reporter:
    """Logs events and shows progress; `tty` draws one line in place, otherwise JSON lines (stderr)."""

    def __init__(self, tty: bool, stream: TextIO | None = None, every: float | None = None,
                 fields: dict | None = None) -> None:
        self._tty = tty
        self._out = stream or sys.stderr  # looked up now: sys.stderr may have been replaced since import
        self._every = every if every is not None else (0.5 if tty else 10.0)
        self._fields = fields or {}
        self._started = time.monotonic()
        self._shown = 0.0
        self._lock = threading.Lock()  # the sink's retry messages come from its sender thread

    def log(self, level: str, message: str, **fields: object) -> None:
        """One event: a JSON line, or a plain line above the progress line on a terminal."""
        with self._lock:
            if self._tty:
                extra = " ".join(f"{k}={v}" for k, v in fields.items())
                self._out.write(f"\r\x1b[K{level}: {message} {extra}\n")
            else:
                record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "level": level,
                          "msg": message, **self._fields, **fields}
                self._out.write(orjson.dumps(record, default=str).decode() + "\n")
            self._out.flush()

    def progress(self, counters: dict, *, force: bool = False) -> None:
        """Show the counters (throttled)."""
        now = time.monotonic()
        if not force and now - self._shown < self._every:
            return
        self._shown = now
        rate = counters["records"] / max(now - self._started, 1e-9)
        errors = counters["deadlettered"] + counters["unroutable"] + counters["failed_objects"]
        if self._tty:
            with self._lock:
                self._out.write(f"\r\x1b[K{counters['objects']} objects  {counters['records']} records  "
                                f"{counters['bytes'] / 1e6:.1f} MB  {rate:,.0f} rec/s  {errors} errors")
                self._out.flush()
        else:
            self.log("info", "progress", **counters_without_errors(counters), records_per_s=round(rate, 1))

    def done(self) -> None:
        """End the progress line."""
        if self._tty:
            self._out.write("\n")
            self._out.flush()


def counters_without_errors(counters: dict) -> dict:
    """The numeric counters only."""
    return {k: counters[k] for k in COUNTERS}
