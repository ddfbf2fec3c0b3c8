"""AWS WAF web ACL logs: document (one JSON line → ECS) and fields (the table)."""
