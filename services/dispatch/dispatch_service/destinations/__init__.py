"""Premium-rate and high-fraud destination ranges, and per-account country allow-lists."""
