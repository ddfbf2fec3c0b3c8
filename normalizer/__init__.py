"""AWS log records → Elastic Common Schema documents. Pure functions: no network, no Elasticsearch.

The data flow: `stream.normalize_stream` opens an object (`readers`: decompression, lines, limits),
the source's reader splits it into `records.RawRecord`s, and the source's `document` module turns
each record into its ECS document (JSON bytes) and `_id`; a record that cannot be normalized is a
located `errors.NormalizationError`, yielded as a value. `registry.LOG_TYPES` names each source's
reader and document builder.

One folder per source (cloudtrail/, vpcflow/, route53/, waf/, guardduty/), each with its reader,
its document building and its field table (`fields`), over a small core: records, errors,
converters (native values → Elasticsearch types), ids, timestamps, ecs (document paths), the copy
engines (table_copy: along a table, in its order; record_walk: along a record, unknown keys kept),
readers / jsonlines / stream / registry. The field tables are pure data (`field_tables`
gathers them, `mapping` derives the index mappings): the Sigma pipeline reads them without the
compiled core. The Rust core (native/src/, imported as `normalizer._native`) has the same layout.
"""
