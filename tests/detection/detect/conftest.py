"""Fixtures for the detector's tests: the pack's samples shipped once, fresh alert namespaces, a webhook receiver."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from detect_samples import PACK, Case, Shipped, lines, run_cli, ship
from elasticsearch import Elasticsearch
from webhook_receiver import Receiver

from detection import newterms
from detection.pack import RuleFile, Sample, load_pack


@pytest.fixture(scope="session")
def pack_files() -> list[RuleFile]:
    """The rule pack."""
    files, _ = load_pack([PACK])
    return files


@pytest.fixture(scope="session")
def plain_samples(es: Elasticsearch, pack_files: list[RuleFile], tmp_path_factory: pytest.TempPathFactory) -> Shipped:
    """Every sample of every plain rule, shipped into one namespace (new-terms rules apart: there, the
    other rules' samples would be history)."""
    cases = [(f, n, s) for f in pack_files if not f.is_correlation and newterms.of(f.rule) is None
             for n, s in enumerate(f.samples, 1)]
    return ship(tmp_path_factory.mktemp("plain"), cases, f"p{uuid.uuid4().hex[:10]}")


@pytest.fixture(scope="session")
def new_terms_runs(es: Elasticsearch, pack_files: list[RuleFile], tmp_path_factory: pytest.TempPathFactory
                   ) -> list[tuple[Case, list[dict]]]:
    """Each sample of each new-terms rule alone in a namespace (no history), and the alerts its rule printed."""
    runs = []
    for file in (f for f in pack_files if not f.is_correlation and newterms.of(f.rule) is not None):
        for number, sample in enumerate(file.samples, 1):
            shipped = ship(tmp_path_factory.mktemp("newterms"), [(file, number, sample)], f"t{uuid.uuid4().hex[:10]}")
            status, out = run_cli("detect", "--once", "--rules", str(file.path), "--index", shipped.index,
                                  "--namespace", shipped.namespace, "--since", "1h")
            assert status == 0
            runs.append((shipped.cases[0], [r for r in lines(out) if r["rule_id"] == str(file.rule.id)]))
    return runs


@pytest.fixture(scope="session")
def correlation_runs(es: Elasticsearch, pack_files: list[RuleFile], tmp_path_factory: pytest.TempPathFactory
                     ) -> dict[str, tuple[Case, list[dict]]]:
    """Each correlation sample (`<rule>#<n>`) as shipped, and the alerts its rule printed for it.

    A sample is a scenario of its own: the samples of one rule overlap in time and group. Samples of
    different sources cannot meet (each source has its own streams, each rule its dataset), so one
    namespace holds at most one sample per source, and one `detect --once` runs their rules.
    """
    slots: dict[str, list[tuple[RuleFile, int, Sample]]] = {}
    for file in (f for f in pack_files if f.is_correlation):
        for number, sample in enumerate(file.samples, 1):
            slots.setdefault(sample.service, []).append((file, number, sample))
    runs: dict[str, tuple[Case, list[dict]]] = {}
    for i in range(max(len(v) for v in slots.values())):
        chosen = [cases[i] for cases in slots.values() if i < len(cases)]
        shipped = ship(tmp_path_factory.mktemp("correlation"), chosen, f"c{uuid.uuid4().hex[:10]}")
        rules = [arg for file, _, _ in chosen for arg in ("--rules", str(file.path))]
        status, out = run_cli("detect", "--once", *rules, "--index", shipped.index, "--namespace", shipped.namespace,
                              "--since", "1h")
        assert status == 0
        for case in shipped.cases:
            runs[f"{case.file.path.stem}#{case.number}"] = (
                case, [r for r in lines(out) if r["rule_id"] == str(case.file.rule.id)])
    return runs


@pytest.fixture
def alerts_ns() -> str:
    """A fresh alerts namespace (and so a fresh detector state scope) for one test."""
    return f"a{uuid.uuid4().hex[:10]}"


@pytest.fixture
def detect(plain_samples: Shipped, alerts_ns: str) -> Callable[..., tuple[int, str]]:
    """`cloudsift detect --once` over the plain samples into this test's alerts namespace."""
    def run(*extra: str) -> tuple[int, str]:
        return run_cli("detect", "--once", "--index", plain_samples.index, "--namespace", alerts_ns,
                       "--since", "2h", *extra)
    return run


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real local HTTP server recording the webhook's POSTs (see webhook_receiver.py)."""
    server = Receiver()
    try:
        yield server
    finally:
        server.close()
