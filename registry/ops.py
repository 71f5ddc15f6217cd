"""Operational checks: compare two registry databases after a backup and restore."""

from __future__ import annotations

import hashlib
import sys

import sqlalchemy as sa

RELEASE_EXPORTS = (("export_csv", "checksum_sha256"), ("export_json", "json_sha256"),
                   ("export_sdmx_csv", "sdmx_sha256"))


def to_sqlalchemy_url(url: str) -> str:
    """Accept a libpq URL (postgresql://) and use psycopg 3 for it."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def fingerprint(url: str) -> dict[str, object]:
    """Row counts of every table, and every release's export checksums as read back.

    A release's checksum is recomputed from its stored export, so a restore that
    altered an export (or a stored checksum) cannot pass.
    """
    engine = sa.create_engine(to_sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            tables = sorted(sa.inspect(connection).get_table_names())
            counts = {t: connection.execute(
                sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
            checksums = _release_checksums(connection) if "releases" in tables else {}
    finally:
        engine.dispose()
    return {"row_counts": counts, "release_checksums": checksums}


def _release_checksums(connection: sa.Connection) -> dict[int, str]:
    """Release id → its exports' SHA-256, or a note where one disagrees with its stored sum."""
    columns = ", ".join(c for pair in RELEASE_EXPORTS for c in pair)
    found = {}
    for row in connection.execute(sa.text(f"SELECT id, {columns} FROM releases ORDER BY id")):
        sums = []
        for export, stored in RELEASE_EXPORTS:
            actual = hashlib.sha256(getattr(row, export).encode("utf-8")).hexdigest()
            ok = actual == getattr(row, stored)
            sums.append(actual if ok else f"{export} hashes to {actual}, stored {stored} differs")
        found[row.id] = " ".join(sums)
    return found


def compare(source_url: str, target_url: str) -> list[str]:
    """The differences between two databases' fingerprints (empty when they agree)."""
    source, target = fingerprint(source_url), fingerprint(target_url)
    differences = []
    for key in ("row_counts", "release_checksums"):
        for name in sorted(set(source[key]) | set(target[key]), key=str):
            if source[key].get(name) != target[key].get(name):
                differences.append(f"{key} {name}: source {source[key].get(name)} "
                                   f"≠ restored {target[key].get(name)}")
    return differences


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[1] != "compare":
        print("usage: python -m registry.ops compare SOURCE_URL TARGET_URL", file=sys.stderr)
        return 2
    differences = compare(argv[2], argv[3])
    source = fingerprint(argv[2])
    checksums = source["release_checksums"]
    print(f"tables: {len(source['row_counts'])}, rows: {sum(source['row_counts'].values())}, "
          f"releases: {len(checksums)}, export checksums: "
          + (", ".join(f"{rid}={value[:12]}…" for rid, value in checksums.items()) or "none"))
    for line in differences:
        print(line)
    print("restore matches the source" if not differences else "RESTORE DIFFERS")
    return 0 if not differences else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
