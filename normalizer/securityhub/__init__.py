"""Security Hub findings (ASFF): reader (findings out of events, exports, Prowler arrays), document
(finding → ECS), and fields (the table)."""
