"""Task bodies of the DAGs: plain functions, callable and testable without a scheduler."""
