"""A day in a small AWS organization: the generator of sample_logs/ and the demo's summary.

`python -m sampleday.generate --out sample_logs` writes the day (fixed seed, byte for byte the same
on every run); `--scale N` multiplies the background for benchmarks. `sampleday.stories` holds the
attack stories embedded in the day and the rules whose alerts find them; `sampleday.summary` is what
`./scripts/demo` prints. Standard library only (plus the Elasticsearch client for the summary).
"""
