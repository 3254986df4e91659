"""Extracts for national data sets (the MHSDS-shaped CSVs)."""
