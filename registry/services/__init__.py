"""The service layer: every business rule lives here, callable from views, CLI and pipelines."""
