"""S3 / SQS / directory sources → normalizer → Elasticsearch bulk sink, with checkpoints."""
