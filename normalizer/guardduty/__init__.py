"""GuardDuty findings: reader (findings out of lines), document (finding → ECS alert), and the table:
finding_fields (exact counterparts), ecs_fields (ECS copies), fields (the two assembled)."""
