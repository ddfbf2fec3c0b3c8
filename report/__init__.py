"""`cloudsift report`: a self-contained HTML page of the events, alerts, attack stories and dead letters in a cluster."""
