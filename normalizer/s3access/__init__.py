"""S3 server access logs: fields (the column order and the field map), tokens (splitting a line), document."""
