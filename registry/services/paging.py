"""Pages of a long list: a query or a computed list cut to one screenful."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """The position of the first item shown (1-based; 0 when empty)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def clamp(number: Any, per_page: Any = PER_PAGE) -> tuple[int, int]:
    """A page number and size from user input, within bounds."""
    return max(1, _int(number, 1)), min(MAX_PER_PAGE, max(1, _int(per_page, PER_PAGE)))


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def paginate(session: Session, query: Select, number: Any = 1, per_page: Any = PER_PAGE) -> Page:
    """One page of a query's rows, with the total it has (past the end shows the last page)."""
    number, per_page = clamp(number, per_page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number = min(number, max(1, ceil(total / per_page)))
    items = list(session.scalars(query.limit(per_page).offset((number - 1) * per_page))
                 .unique())
    return Page(items, number, per_page, total)


def page_of(items: list[T], number: Any = 1, per_page: Any = PER_PAGE) -> Page[T]:
    """One page of an already computed list."""
    number, per_page = clamp(number, per_page)
    number = min(number, max(1, ceil(len(items) / per_page)))
    start = (number - 1) * per_page
    return Page(items[start:start + per_page], number, per_page, len(items))
