"""Pages where universities and the regulator define, view and delete custom peer groups."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from registry.models import Role
from registry.reference_data import INSTITUTION_TYPES, PROVINCES, SECTORS
from registry.request_session import get_session
from registry.services.errors import DomainError, NotFound
from registry.services.register import peer_groups as service
from registry.services.register.institutions import RegisterFilters
from registry.web.auth import role_required, web_actor

bp = Blueprint("peer_groups", __name__, url_prefix="/peer-groups")
OWNER_ROLES = (Role.UNIVERSITY, Role.REGULATOR, Role.ADMIN)


@bp.get("")
@role_required(*OWNER_ROLES)
def index():
    """The peer groups the user may use: its university's, or all for the regulator."""
    groups = service.list_peer_groups(get_session(), web_actor())
    return render_template("peer_groups/index.html", groups=groups)


@bp.route("/new", methods=["GET", "POST"])
@role_required(*OWNER_ROLES)
def create():
    """Define a group of at least five colleges; problems appear beside their fields."""
    session = get_session()
    errors: dict[str, list[str]] = {}
    message = None
    form = request.form
    name, chosen = form.get("name", ""), list(dict.fromkeys(form.getlist("members")))
    if request.method == "POST" and form.get("action", "create") == "create" \
            and not form.get("page"):
        try:
            group = service.create_peer_group(session, web_actor(), name, chosen)
        except DomainError as exc:
            errors, message = exc.fields, exc.message
        else:
            flash(ngettext("Peer group “%(group)s” created with %(num)d college.",
                           "Peer group “%(group)s” created with %(num)d colleges.",
                           len(group.members), group=group.name), "info")
            return redirect(url_for("peer_groups.detail", group_id=group.id))
    source = form if request.method == "POST" else request.args
    filters = RegisterFilters.from_args(source)
    return render_template(
        "peer_groups/new.html", page=service.candidate_members(session, filters,
                                                               source.get("page")),
        name=name, chosen=chosen, chosen_colleges=service.colleges_named(session, chosen),
        errors=errors, message=message, provinces=PROVINCES, filters=filters,
        types=INSTITUTION_TYPES, sectors=SECTORS,
        min_members=service.MIN_MEMBERS, max_name=service.MAX_NAME,
    ), 422 if errors or message else 200


@bp.get("/<int:group_id>")
@role_required(*OWNER_ROLES)
def detail(group_id: int):
    """One group: its members, and a way to compare a college with it."""
    session = get_session()
    actor = web_actor()
    try:
        group = service.get_peer_group(session, actor, group_id)
    except NotFound:
        return render_template("not_found.html",
                               what=gettext("peer group %(id)s", id=group_id)), 404
    return render_template("peer_groups/detail.html", group=group, provinces=PROVINCES,
                           colleges=service.comparable_colleges(session, actor))


@bp.post("/<int:group_id>/delete")
@role_required(*OWNER_ROLES)
def delete(group_id: int):
    """Delete a group no longer wanted (the audit trail keeps it)."""
    try:
        name = service.delete_peer_group(get_session(), web_actor(), group_id)
    except NotFound:
        return render_template("not_found.html",
                               what=gettext("peer group %(id)s", id=group_id)), 404
    flash(gettext("Peer group “%(group)s” deleted.", group=name), "info")
    return redirect(url_for("peer_groups.index"))
