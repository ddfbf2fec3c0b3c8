"""cloudsift: AWS security logs from S3 to Elasticsearch in ECS, with tested Sigma rules."""

__version__ = "0.1.0"
