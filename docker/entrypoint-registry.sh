#!/bin/sh
# Start the registry as production runs it (the end-to-end test runs these same commands):
# bring the schema up to date, check the image and the database can do each job, then serve
# with gunicorn. Given a command instead (`docker compose run --rm registry registry doctor`),
# run it once the schema is up to date.
set -eu
registry migrate
if [ "$#" -gt 0 ]; then exec "$@"; fi
# Airflow and SMTP may come up after the registry, which copes with either being away:
# `registry doctor` run by an operator checks them too.
registry doctor --skip airflow --skip smtp
exec gunicorn --config docker/gunicorn.conf.py "registry:create_app()"
