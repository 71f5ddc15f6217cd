#!/bin/sh
# Start the registry as production runs it (the end-to-end test runs these same commands):
# bring the schema up to date, then serve with gunicorn.
set -eu
registry migrate
exec gunicorn --config docker/gunicorn.conf.py "registry:create_app()"
