"""From what was read to validated SUS records: codes, value parsing, records and rules."""
