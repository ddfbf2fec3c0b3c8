"""`cloudsift detect`: the built-in detection engine that runs the compiled pack and writes alerts."""
