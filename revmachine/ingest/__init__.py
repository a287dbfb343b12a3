"""Spreadsheets in: read (readers) -> recognise (mapping) -> parse and check (stage) -> load."""
