"""The register: institutions, programmes, reporting periods, peer groups."""
