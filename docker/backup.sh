#!/bin/sh
# Back up the registry database in PostgreSQL's custom format.
# Usage: docker/backup.sh DATABASE_URL OUTPUT.dump   (URL as libpq understands it, no "+psycopg")
set -eu
pg_dump --format=custom --no-owner --no-privileges --file "$2" "$1"
echo "backed up to $2"
