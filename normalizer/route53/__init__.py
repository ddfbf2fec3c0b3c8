"""Route 53 query logs: document (Resolver JSON and public hosted-zone text → ECS), domains, fields."""
