"""Demo data (never in production): built through the services, not part of them."""
