"""Indicators and releases: building, publishing and reading the benchmark releases."""
