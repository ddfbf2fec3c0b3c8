"""The capacity arithmetic of docs/scaling.md: from measured per-source figures to workers, nodes and disk.

    .venv/bin/python bench/capacity.py [--gb-per-day 100,1000,10000] [--retention 90] [--peak 3]

Every input is a figure measured by the benches (defaults: the run in docs/scaling.md) or a stated
assumption (the mix of sources by raw bytes, the peak factor, the size of an object, of a node);
change them with the flags to size your own organization. Nothing here talks to anything.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Source:
    """Measured figures for one source (bench/storage.py, bench/ship.py's worker alone)."""

    share: float  # of the raw bytes a day (assumption)
    raw_bytes: int  # raw native bytes per event
    doc_bytes: int  # normalized document bytes per event (what is bulk-indexed)
    worker_rate: int  # events/s of one core: normalize + gzip the bulk body (worker alone, both)
    disk_stored: int  # bytes per event on disk, logsdb with stored _source (basic license)
    disk_synthetic: int  # bytes per event on disk, logsdb with synthetic _source (enterprise)


SOURCES = {
    "vpcflow": Source(0.50, 115, 1033, 34_403, 266, 191),
    "cloudtrail": Source(0.30, 1332, 2804, 13_756, 570, 461),
    "route53": Source(0.15, 441, 1222, 19_665, 169, 121),
    "waf": Source(0.04, 1289, 1875, 12_227, 575, 472),
    "guardduty": Source(0.01, 2406, 3997, 5_146, 1187, 945),
}
# Elasticsearch on this box: ~10,000 flow documents/s (parallel_bulk) of 1033 bytes on one node of
# 2 cores shared with the client: about 5 MB/s of documents per core, replica work not included.
ES_BYTES_PER_CORE_S = 5e6
NODE_CORES = 8  # a hot node of the cluster being sized
NODE_DISK_TB = 4.0  # usable disk per hot node
WATERMARK = 0.85  # Elasticsearch stops allocating shards to a disk fuller than this (high watermark)
OBJECT_RAW_MB = 1.0  # average raw megabytes per S3 object (assumption: many small CloudTrail objects, larger flow logs)
SHARD_GB = 50  # rollover at this primary shard size (deploy/lifecycle.py)
DAY = 86_400


def size(gb_per_day: float, retention: int, peak: float, replicas: int) -> dict:
    """Everything docs/scaling.md tabulates for one daily volume."""
    events = {name: gb_per_day * 1e9 * s.share / s.raw_bytes for name, s in SOURCES.items()}
    per_s = sum(events.values()) / DAY
    core_s = sum(n / SOURCES[name].worker_rate for name, n in events.items())
    doc_bytes = sum(n * SOURCES[name].doc_bytes for name, n in events.items())
    es_cores = doc_bytes * (1 + replicas) / DAY * peak / ES_BYTES_PER_CORE_S
    disk = {mode: sum(n * getattr(SOURCES[name], f"disk_{mode}") for name, n in events.items())
            for mode in ("stored", "synthetic")}
    hot_tb = {mode: b * (1 + replicas) * retention / WATERMARK / 1e12 for mode, b in disk.items()}
    flow_primary_gb = events["vpcflow"] * SOURCES["vpcflow"].disk_stored / 1e9
    # One shard copy is indexed by one node: the flow stream needs enough primaries that its peak
    # indexing (replicas too) spreads over as many nodes as that work needs.
    flow_bytes_peak = events["vpcflow"] * SOURCES["vpcflow"].doc_bytes / DAY * peak * (1 + replicas)
    flow_primaries = max(1, math.ceil(flow_bytes_peak / (NODE_CORES * ES_BYTES_PER_CORE_S)))
    return {
        "events_per_day": sum(events.values()), "events_per_s": per_s, "peak_per_s": per_s * peak,
        "worker_cores_peak": core_s / DAY * peak,
        "objects_per_s": gb_per_day * 1e3 / OBJECT_RAW_MB / DAY,
        "doc_gb_per_day": doc_bytes / 1e9,
        "es_cores_peak": es_cores,
        "es_nodes_cpu": math.ceil(es_cores / NODE_CORES),
        "hot_tb": hot_tb,
        "es_nodes_disk": {mode: math.ceil(tb / NODE_DISK_TB) for mode, tb in hot_tb.items()},
        "flow_primary_gb_per_day": flow_primary_gb,
        "flow_primaries": flow_primaries,
        "flow_rollovers_per_day": max(flow_primary_gb / SHARD_GB / flow_primaries, 1 / 7),
    }


def main() -> None:
    """Print one block per daily volume."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb-per-day", default="100,1000,10000", help="raw (uncompressed) GB a day")
    ap.add_argument("--retention", type=int, default=90, help="days kept in the hot tier")
    ap.add_argument("--peak", type=float, default=3.0, help="peak rate / daily average")
    ap.add_argument("--replicas", type=int, default=1)
    args = ap.parse_args()
    for gb in (float(v) for v in args.gb_per_day.split(",")):
        r = size(gb, args.retention, args.peak, args.replicas)
        print(f"--- {gb:,.0f} GB/day raw ---")
        print(f"events: {r['events_per_day'] / 1e6:,.0f} M/day, {r['events_per_s']:,.0f}/s average, "
              f"{r['peak_per_s']:,.0f}/s at peak; normalized documents {r['doc_gb_per_day']:,.0f} GB/day")
        print(f"workers: {r['worker_cores_peak']:.1f} cores at peak (normalize + gzip); SQS "
              f"{r['objects_per_s']:,.1f} messages/s average")
        print(f"Elasticsearch indexing: {r['es_cores_peak']:.0f} cores at peak with {args.replicas} replica(s) "
              f"= {r['es_nodes_cpu']} node(s) of {NODE_CORES} cores")
        print(f"hot storage for {args.retention} days: {r['hot_tb']['stored']:,.1f} TB (basic, stored _source) / "
              f"{r['hot_tb']['synthetic']:,.1f} TB (enterprise, synthetic) = {r['es_nodes_disk']['stored']} / "
              f"{r['es_nodes_disk']['synthetic']} node(s) of {NODE_DISK_TB:g} TB")
        print(f"flow stream: {r['flow_primary_gb_per_day']:,.0f} GB of primaries a day; needs "
              f"{r['flow_primaries']} primary shard(s) to spread its peak indexing; then "
              f"{r['flow_rollovers_per_day']:.1f} rollovers a day at {SHARD_GB} GB per shard")


if __name__ == "__main__":
    main()
