"""Operational checks: compare two registry databases after a backup and restore."""

from __future__ import annotations

import sys

import sqlalchemy as sa


def to_sqlalchemy_url(url: str) -> str:
    """Accept a libpq URL (postgresql://) and use psycopg 3 for it."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def fingerprint(url: str) -> dict[str, object]:
    """Row counts of every table, and the checksum of every release if there are releases."""
    engine = sa.create_engine(to_sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            tables = sorted(sa.inspect(connection).get_table_names())
            counts = {t: connection.execute(
                sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
            checksums = {}
            if "releases" in tables:
                columns = {c["name"] for c in sa.inspect(connection).get_columns("releases")}
                if "checksum" in columns:
                    checksums = dict(connection.execute(
                        sa.text("SELECT id, checksum FROM releases ORDER BY id")).all())
    finally:
        engine.dispose()
    return {"row_counts": counts, "release_checksums": checksums}


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
    print(f"tables: {len(source['row_counts'])}, rows: {sum(source['row_counts'].values())}, "
          f"releases: {len(source['release_checksums'])}")
    for line in differences:
        print(line)
    print("restore matches the source" if not differences else "RESTORE DIFFERS")
    return 0 if not differences else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
