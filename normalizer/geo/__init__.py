"""IP geolocation enrichment: `<side>.geo` and `<side>.as` from MaxMind databases the user supplies."""
