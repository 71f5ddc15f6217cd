"""Reading bulk upload files (the XLSX template or CSV) into return payloads."""

from __future__ import annotations

from registry.services.errors import ValidationFailed
from schemas.tabular.read import BulkFileError, load_returns_from_csv, load_returns_from_xlsx

XLSX_MAGIC = b"PK\x03\x04"


def read_bulk_file(filename: str, data: bytes) -> tuple[list[dict], str]:
    """Parse an uploaded file into validated payloads; any problem refuses the whole file.

    Every payload is validate_return's output: storing it need not validate it again.
    """
    if not data:
        raise ValidationFailed("The uploaded file is empty.", {"file": ["empty file"]})
    is_xlsx = filename.lower().endswith(".xlsx") or data.startswith(XLSX_MAGIC)
    try:
        if is_xlsx:
            return load_returns_from_xlsx(data), "xlsx"
        return load_returns_from_csv(data), "csv"
    except BulkFileError as exc:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_location(error), []).append(error["message"])
        raise ValidationFailed(
            f"The file has {len(exc.errors)} problem(s); nothing was stored.", fields
        ) from exc


def _location(error: dict) -> str:
    parts = [f"sheet {error['sheet']}" if error.get("sheet") else None,
             f"row {error['row']}" if error.get("row") else None,
             f"column {error['column']}" if error.get("column") else None]
    return ", ".join(p for p in parts if p) or "file"
