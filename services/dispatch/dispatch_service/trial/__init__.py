"""Trial accounts' caps at intake: test destinations only, a few messages a UTC day."""
