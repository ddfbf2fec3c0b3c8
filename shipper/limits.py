"""Batch bounds and the retry policy, defined once: the sink, the checkpoint store and the config read them.

Light on purpose (no client imports): the CLI shows these defaults in `--help` before anything loads.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Limits:
    """Batch bounds and retry budget."""

    max_docs: int = 2000
    max_bytes: int = 8 * 1024 * 1024
    max_inflight: int = 2  # batches queued behind those being sent
    senders: int = 2  # concurrent bulk requests per worker
    retry_seconds: float = 900.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0


DEFAULT_LIMITS = Limits()


def backoff(attempt: int, limits: Limits = DEFAULT_LIMITS) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base * 2**attempt)]."""
    return random.uniform(0, min(limits.backoff_cap, limits.backoff_base * 2**attempt))
