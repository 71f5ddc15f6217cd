"""Paged list responses: {"items": [...], "page", "page_size", "total"}."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


class PageQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def page_envelope(item_schema: type[Schema]) -> type[Schema]:
    """Build the envelope schema around a list of `item_schema`."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "page_size": fields.Integer(required=True),
            "total": fields.Integer(required=True),
        },
        name=name,
    )


def paginate(session: Session, query: Select, page: int, page_size: int) -> dict:
    """Run `query` for one page and count the whole result."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": items, "page": page, "page_size": page_size, "total": total or 0}
