"""AWS CloudTrail: reader (objects → records), document (record → ECS, natively), fields (the table)."""
