#!/bin/sh
# Restore a backup made by backup.sh into an EMPTY database, then verify it.
# Usage: docker/restore.sh BACKUP.dump TARGET_DATABASE_URL [SOURCE_DATABASE_URL]
# With SOURCE_DATABASE_URL, row counts and release checksums are compared with the source.
set -eu
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$2" "$1"
echo "restored $1 into the target database"
if [ "${3:-}" != "" ]; then
  python -m registry.ops compare "$3" "$2"
fi
