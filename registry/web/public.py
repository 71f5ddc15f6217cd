"""Public pages: the programme directory."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext

from registry.reference_data import INSTITUTION_TYPES, PROVINCES, SECTORS
from registry.request_session import get_session
from registry.services.errors import NotFound
from registry.services.paging import paginate
from registry.services.register import programmes as programme_service
from schemas.codes import Level, MentoringModel

bp = Blueprint("public", __name__)

COMPONENT_LABELS = {
    "written_policy": "Written policy",
    "committee_with_tor": "Committee with terms of reference",
    "designated_coordinator": "Designated coordinator",
    "dedicated_budget": "Dedicated budget",
    "confidentiality_policy": "Confidentiality policy",
    "structured_portfolio": "Structured portfolio",
    "monitoring_evaluation_plan": "Monitoring & evaluation plan",
    "research_integration": "Linked to research",
    "career_guidance_integration": "Linked to career guidance",
    "inter_institutional_collaboration": "Inter-institutional collaboration",
    "personalised_matching": "Personalised matching",
}


DIRECTORY_FILTERS = ("q", "type", "sector", "province", "level", "model", "component")


@bp.get("/programmes")
def programmes():
    """The programme directory: search and filter."""
    filters = {k: (request.args.get(k) or "").strip() or None for k in DIRECTORY_FILTERS}
    if filters["component"] not in COMPONENT_LABELS:
        filters["component"] = None
    page = paginate(get_session(), programme_service.directory_query(**filters),
                    request.args.get("page"))
    return render_template(
        "programmes.html", page=page, filters=filters, provinces=PROVINCES,
        levels=Level, models=MentoringModel, components=COMPONENT_LABELS,
        types=INSTITUTION_TYPES, sectors=SECTORS,
        level_labels={level.value: level.label for level in Level},
        model_labels={model.value: model.label for model in MentoringModel},
        args={k: v for k, v in filters.items() if v},
    )


@bp.get("/programmes/<institution>/<code>")
def programme(institution: str, code: str):
    """One programme: its framework components as last reported."""
    try:
        found = programme_service.get_programme(get_session(), institution, code)
    except NotFound:
        what = gettext("programme %(code)s of %(institution)s", code=code, institution=institution)
        return render_template("not_found.html", what=what), 404
    return render_template("programme.html", programme=found, components=COMPONENT_LABELS)
