"""Benchmark releases: build, publish, read, and download their exports."""

from __future__ import annotations

import json
import re
import uuid

from flask import Response, current_app, jsonify, request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry import pipeline_runs
from registry.api.auth import current_actor, require_actor
from registry.api.blueprint import Blueprint
from registry.api.bodies import BadRequestBody
from registry.api.pagination import PageQuerySchema, page_envelope, paginate
from registry.db import utcnow
from registry.pipeline_runs import TriggerSettings
from registry.request_session import get_session
from registry.services.register.periods import get_period
from registry.services.releases import catalogue as catalogue_service
from registry.services.releases import publication as publication_service
from registry.services.releases import releases as service
from registry.services.releases import stored_charts

blp = Blueprint("releases", __name__, url_prefix="/api/v1/releases",
                description="Immutable, numbered benchmark releases and their open data.")

CSV_TYPE = "text/csv"
SDMX_STRUCTURE_TYPE = "application/vnd.sdmx.structure+xml; version=2.1"
TEXT = {"type": "string"}


class ReleaseSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    period = fields.String(attribute="period.code", required=True)
    kind = fields.String(required=True, validate=validate.OneOf(service.KINDS))
    revises = fields.Integer(attribute="revises_id", allow_none=True)
    published = fields.Function(lambda r: r.publication is not None, required=True,
                                metadata={"type": "boolean"})
    published_at = fields.Function(
        lambda r: r.publication.published_at.isoformat() if r.publication else None,
        allow_none=True, metadata={"type": "string", "format": "date-time"})
    built_at = fields.DateTime(required=True)
    acceptance_level = fields.String(required=True)
    min_institutions = fields.Integer(required=True)
    min_people = fields.Integer(required=True)
    method_version = fields.String(required=True)
    catalogue_version = fields.String(required=True)
    suite_version = fields.String(required=True)
    pipeline_run_id = fields.String(required=True)
    checksum_sha256 = fields.String(required=True, metadata={
        "description": "SHA-256 of the canonical CSV export."})
    json_sha256 = fields.String(required=True)
    sdmx_sha256 = fields.String(required=True)


class ExportLinksSchema(Schema):
    csv = fields.String(required=True)
    json = fields.String(required=True)
    sdmx_csv = fields.String(required=True)
    structure = fields.String(required=True)
    datapackage = fields.String(required=True)


class ReleaseDetailSchema(ReleaseSchema):
    method_notes = fields.String(required=True)
    return_versions_used = fields.Function(
        lambda r: r.provenance.get("return_version_ids", []), required=True,
        metadata={"type": "array", "items": {"type": "integer"},
                  "description": "Ids of the return versions the release counted."})
    excluded_counts = fields.Function(service.excluded_counts, required=True, metadata={
        "type": "object", "additionalProperties": {"type": "integer"},
        "description": "How many returns were left out, by reason."})
    excluded = fields.List(fields.Dict(), allow_none=True, metadata={
        "description": "Every excluded return with its reason (regulator only)."})
    exports = fields.Nested(ExportLinksSchema, required=True)
    revision_notes = fields.Dict(allow_none=True, metadata={
        "description": "What changed since the period's previous release (returns added or "
                       "revised, cells changed, largest national changes, suppression "
                       "changes) and the regulator's reason; null for a first release."})
    citation = fields.String(required=True, metadata={"description": "Suggested citation."})


class NewReleaseSchema(Schema):
    period = fields.String(required=True)
    kind = fields.String(validate=validate.OneOf(service.KINDS), metadata={
        "description": "Left out: provisional for the period's first release, else final."})
    publish = fields.Boolean(load_default=False)


BUILD_KEY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_.~+-]{1,100}$"},
    "description": "Names the build: the same key from the same user builds one release, "
                   "however often it is sent (a retry answers 200 with that release). "
                   "Without it every request builds the period's next release."}
BUILD_KEY = re.compile(r"[A-Za-z0-9_.~+-]{1,100}")


class QueuedBuildSchema(Schema):
    period = fields.String(required=True)
    run_id = fields.String(required=True, metadata={
        "description": "The registry_benchmarks run that builds the release."})
    status = fields.String(required=True, metadata={"enum": ["queued"]})
    releases = fields.String(required=True, metadata={
        "description": "Where the release appears once the pipeline has built it."})


@blp.route("")
class Releases(MethodView):
    @blp.operation("listReleases", 401, 422)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_envelope(ReleaseSchema))
    def get(self, args):
        """List releases, newest first (published ones; the regulator sees all)."""
        query = service.releases_query(current_actor())
        return paginate(get_session(), query, args["page"], args["page_size"])

    @blp.operation("buildRelease", 400, 401, 403, 404, 409, 413, 422)
    @blp.arguments(NewReleaseSchema)
    @blp.doc(parameters=[BUILD_KEY_HEADER])
    @blp.response(201, ReleaseDetailSchema)
    @blp.alt_response(200, schema=ReleaseDetailSchema,
                      description="The build this Idempotency-Key already made")
    @blp.alt_response(202, schema=QueuedBuildSchema,
                      description="Airflow builds it (the `airflow` pipeline mode)")
    def post(self, args):
        """Build the period's next release (regulator) through the releases pipeline.

        Provisional first, final after the revision window, decided by the run's date. In the
        embedded mode the pipeline's task runs in this request; in `airflow` mode the run is
        queued and the answer is 202.
        """
        session = get_session()
        actor = require_actor()
        period = get_period(session, args["period"])
        run_id = _build_run_id(actor)
        key = service.period_run_id(run_id, period.code)
        earlier = service.release_of_run(session, key)
        if earlier is not None:
            return detail(earlier, actor), 200
        conf = {"period": period.code, "publish": args["publish"],
                **({"kind": args["kind"]} if args.get("kind") else {})}
        built = pipeline_runs.request_release(
            session, actor, TriggerSettings.from_config(current_app.config),
            current_app.config["RELEASE_SETTINGS"], conf, run_id, as_of=utcnow(),
            languages=current_app.config["LANGUAGES"])
        if built is None:
            # a body of another shape than the 201's: smorest serialises only that one
            queued = jsonify(QueuedBuildSchema().dump({
                "period": period.code, "run_id": run_id, "status": "queued",
                "releases": url_for("releases.Releases")}))
            queued.status_code = 202
            return queued
        return detail(service.release_of_run(session, key), actor), 201


def _build_run_id(actor) -> str:
    """The pipeline run id of an API build: the caller's Idempotency-Key, or a fresh one."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return f"api:{uuid.uuid4().hex}"
    if not BUILD_KEY.fullmatch(key):
        raise BadRequestBody("Idempotency-Key must be 1 to 100 letters, digits or . _ ~ + -.",
                             {"Idempotency-Key": ["not a build key"]})
    return f"api:{actor.user_id}:{key}"


class CalendarHistorySchema(Schema):
    release_on = fields.Date(required=True)
    reason = fields.String(allow_none=True)
    announced_at = fields.DateTime(required=True)


class CalendarEntrySchema(Schema):
    period = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": list(service.KINDS)})
    release_on = fields.Date(required=True)
    status = fields.String(required=True, metadata={"enum": ["scheduled", "published"]})
    release = fields.Integer(allow_none=True, metadata={
        "description": "The release number, once published."})
    published_at = fields.DateTime(allow_none=True)
    history = fields.List(fields.Nested(CalendarHistorySchema), required=True, metadata={
        "description": "Every announced date, oldest first, with the reason for each move."})


class CalendarSchema(Schema):
    releases = fields.List(fields.Nested(CalendarEntrySchema), required=True)


@blp.route("/calendar")
class ReleaseCalendar(MethodView):
    @blp.response(200, CalendarSchema)
    @blp.operation("getReleaseCalendar")
    def get(self):
        """Past and coming releases: announced dates (with moves and reasons) and publications."""
        entries = publication_service.calendar(get_session())
        return {"releases": [entry.as_dict() for entry in entries]}


def detail(release, actor) -> dict:
    """The release with its provenance; the named exclusions only for national users."""
    body = {name: getattr(release, name, None) for name in ("method_notes",)}
    exports = {kind: f"/api/v1/releases/{release.id}/{name}" for kind, name in (
        ("csv", "export.csv"), ("json", "export.json"), ("sdmx_csv", "export.sdmx.csv"),
        ("structure", "structure.xml"), ("datapackage", "datapackage.json"))}
    excluded = release.provenance.get("excluded") if actor and actor.is_national else None
    settings = catalogue_service.CatalogueSettings.from_config(current_app.config)
    return ReleaseView(release, {
        **body, "excluded": excluded, "exports": exports,
        "revision_notes": publication_service.revision_summary(get_session(), release),
        "citation": catalogue_service.citation(release, request.url_root.rstrip("/"),
                                               settings)})


class ReleaseView:
    """A release plus computed fields, for the detail schema."""

    def __init__(self, release, extra: dict):
        self._release = release
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._release, name)


@blp.route("/<int:release_id>")
class ReleaseById(MethodView):
    @blp.operation("getRelease", 401, 404)
    @blp.response(200, ReleaseDetailSchema)
    def get(self, release_id):
        """One release with its provenance and method notes."""
        actor = current_actor()
        return detail(service.get_release(get_session(), actor, release_id), actor)


@blp.route("/<int:release_id>/publication")
class ReleasePublication(MethodView):
    @blp.operation("publishRelease", 401, 403, 404, 409)
    @blp.response(201, ReleaseSchema)
    def post(self, release_id):
        """Publish a release (regulator); the release itself never changes."""
        session = get_session()
        actor = require_actor()
        release = service.get_release(session, actor, release_id)
        service.publish_release(session, actor, release)
        stored_charts.prerender_charts(session, actor, current_app.config["LANGUAGES"],
                                       utcnow())
        return release


# each export's body and the release column holding the SHA-256 of those bytes
CHECKSUM_OF = {"export_csv": "checksum_sha256", "export_json": "json_sha256",
               "export_sdmx_csv": "sdmx_sha256"}


def _download(release_id: int, attribute: str, mimetype: str, filename: str) -> Response:
    """Serve one export, its ETag the checksum of exactly these bytes."""
    release = service.get_release(get_session(), current_actor(), release_id)
    body = getattr(release, attribute)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="release-{release.number}-{filename}"',
        "ETag": f'"{getattr(release, CHECKSUM_OF[attribute])}"',
        "Link": metadata_links(release)})


def metadata_links(release) -> str:
    """Where an export's metadata is: its release page, data package and the catalogue."""
    return (f'</releases/{release.id}>; rel="describedby"; type="text/html", '
            f'</api/v1/releases/{release.id}/datapackage.json>; rel="describedby"; '
            'type="application/json", </catalog.jsonld>; rel="describedby"; '
            'type="application/ld+json"')


@blp.route("/<int:release_id>/export.csv")
class ReleaseCsv(MethodView):
    @blp.operation("getReleaseCsv", 401, 404)
    @blp.response(200, TEXT, description="One row per indicator × stratum",
                  content_type=CSV_TYPE)
    def get(self, release_id):
        """The release as CSV (formula-safe; the canonical export the checksum covers)."""
        return _download(release_id, "export_csv", "text/csv", "benchmarks.csv")


@blp.route("/<int:release_id>/export.json")
class ReleaseJson(MethodView):
    @blp.response(200, {"type": "object"}, description="Method notes, indicators and cells",
                  content_type="application/json")
    @blp.operation("getReleaseJson", 401, 404)
    def get(self, release_id):
        """The release as JSON."""
        return _download(release_id, "export_json", "application/json", "benchmarks.json")


@blp.route("/<int:release_id>/export.sdmx.csv")
class ReleaseSdmx(MethodView):
    @blp.operation("getReleaseSdmxCsv", 401, 404)
    @blp.response(200, TEXT, description="SDMX-CSV 2.0", content_type=CSV_TYPE)
    def get(self, release_id):
        """The release as SDMX-CSV 2.0; its structure is at structure.xml."""
        return _download(release_id, "export_sdmx_csv", "text/csv", "benchmarks.sdmx.csv")


@blp.route("/<int:release_id>/structure.xml")
class ReleaseStructure(MethodView):
    @blp.response(200, TEXT, description="SDMX-ML 2.1 structure message",
                  content_type=SDMX_STRUCTURE_TYPE)
    @blp.operation("getReleaseStructure", 401, 404)
    def get(self, release_id):
        """The data structure definition (SDMX-ML 2.1) of the SDMX-CSV export."""
        release = service.get_release(get_session(), current_actor(), release_id)
        return Response(service.structure_document(release), content_type=SDMX_STRUCTURE_TYPE)


@blp.route("/<int:release_id>/datapackage.json")
class ReleaseDataPackage(MethodView):
    @blp.response(200, {"type": "object"},
                  description="Frictionless Data Package of the CSV export",
                  content_type="application/json")
    @blp.operation("getReleaseDataPackage", 401, 404)
    def get(self, release_id):
        """The Frictionless Data Package describing the CSV export (Table Schema, licence,
        checksum, citation and revision notes)."""
        session = get_session()
        release = service.get_release(session, current_actor(), release_id)
        settings = catalogue_service.CatalogueSettings.from_config(current_app.config)
        package = catalogue_service.data_package(session, release,
                                                 request.url_root.rstrip("/"), settings)
        return Response(json.dumps(package, indent=2, ensure_ascii=False) + "\n",
                        mimetype="application/json", headers={"Link": metadata_links(release)})
