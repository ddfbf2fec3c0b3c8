"""Application logs: spec (the app's declared field map), reader (CloudWatch Logs envelopes, JSON
records, text lines), document (record → ECS) and fields (the ECS fields a map may fill)."""
