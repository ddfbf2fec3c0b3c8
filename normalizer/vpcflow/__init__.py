"""VPC Flow Logs: reader (lines with their header), plans (header → native plan), document, fields."""
