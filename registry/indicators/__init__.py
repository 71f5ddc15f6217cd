"""Indicators and national benchmarks: the catalogue and the pure computations behind releases.

Nothing here touches the database or Flask; services and pipeline tasks feed it plain data.
"""
