"""Federated reporting toolkit: compile a return from a college's own records, offline.

It runs on the college's machine, imports nothing from the registry service (only the
shared data standard in ``schemas``), and sends nothing but aggregate counts.
"""

__version__ = "0.1.0"
