"""AWS log records → Elastic Common Schema documents. Pure functions: no network, no Elasticsearch."""
