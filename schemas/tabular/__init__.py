"""Bulk files, one return per row: the template and layout (`template`), writing
returns to XLSX and CSV (`write`), and reading them back, checked (`read`)."""
