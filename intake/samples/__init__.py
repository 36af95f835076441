"""A seeded generator of realistic filled-and-scanned SUS forms with known truth."""
