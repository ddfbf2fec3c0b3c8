"""Write the day as a bucket would hold it: `python -m sampleday.generate --out sample_logs [--scale N]`.

Each stream's hour is one object at scale 1; at scale N an hour is cut into N slots, each generated
on its own (its random generator seeded from the seed and the slot's name), so memory holds one
object's records at a time and millions of records stream to disk. The stories' records go into the
slots their times fall in. Same seed and scale, same bytes.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
from collections import Counter
from pathlib import Path

from sampleday.background import BACKGROUND, HISTORY_DAYS, Pairs, sign_in_history
from sampleday.layout import Stream, write_digest, write_object
from sampleday.stories import STORY_RECORDS
from sampleday.world import ACCOUNTS, DAY_START, HOUR, ORG_TRAIL, PEOPLE

SEED = 20261120
DELIVERY_DELAY = 300.0  # AWS delivers an interval's object a few minutes after it closes


def story_records(seed: int) -> dict[Stream, Pairs]:
    """Every story's (time, record) pairs by stream, each story drawing from a generator of its own."""
    merged: dict[Stream, Pairs] = {}
    for write in STORY_RECORDS:
        for stream, pairs in write(random.Random(f"{seed}/story/{write.__name__}")).items():
            merged.setdefault(stream, []).extend(pairs)
    return merged


def generate(out: Path, seed: int = SEED, scale: float = 1.0) -> Counter[str]:
    """Write the day under `out` (emptied first); records written per stream kind."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    stories = story_records(seed)
    unknown = set(stories) - set(BACKGROUND)
    if unknown:  # a story writing to a stream no background defines would be a typo, not a new stream
        raise ValueError(f"stories write to undeclared streams: {sorted(map(str, unknown))}")
    slots = max(1, math.ceil(scale))
    counts: Counter[str] = Counter()
    for stream, background in BACKGROUND.items():
        attack = sorted(stories.get(stream, []), key=lambda pair: pair[0])
        for hour in range(24):
            for slot in range(slots):
                start = DAY_START + hour * HOUR + slot * HOUR / slots
                end = start + HOUR / slots
                rng = random.Random(f"{seed}/{stream.kind}/{stream.account}/{stream.name}/{hour}/{slot}")
                pairs = background(rng, start, end, scale) + [p for p in attack if start <= p[0] < end]
                if not pairs:
                    continue  # AWS writes no object for an interval with nothing in it
                pairs.sort(key=lambda pair: pair[0])
                key = stream.key(end + DELIVERY_DELAY, rng)
                counts[stream.kind] += write_object(out / key, stream, (record for _, record in pairs))
    for account in ACCOUNTS:  # the sign-in baseline: one object per history day of each account with people
        if not any(p.account == account for p in PEOPLE):
            continue
        history = sign_in_history(random.Random(f"{seed}/history/{account.id}"), account)
        rng = random.Random(f"{seed}/history-keys/{account.id}")
        for days in HISTORY_DAYS:
            day = [pair for pair in history if DAY_START - days * 24 * HOUR <= pair[0] < DAY_START - (days - 1) * 24 * HOUR]
            key = Stream("cloudtrail", account.id).key(day[-1][0] + DELIVERY_DELAY, rng)
            counts["cloudtrail"] += write_object(out / key, Stream("cloudtrail", account.id), (rec for _, rec in day))
    for account in ACCOUNTS:
        write_digest(out, account.id, DAY_START + 24 * HOUR + DELIVERY_DELAY, ORG_TRAIL)
    return counts


def main(argv: list[str] | None = None) -> int:
    """The command line: where to write, the seed, the scale; prints the records per source as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory to write (emptied first)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED}: sample_logs/)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="background volume multiplier (default 1: a few MB; 100: about 3 million records)")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    counts = generate(args.out, args.seed, args.scale)
    print(json.dumps({"records": sum(counts.values()), **dict(sorted(counts.items()))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
