"""Pagination for list pages (every list is paginated)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

PAGE_SIZE = 50


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows. On a table of a million customers, counting everything a
    broad filter matches costs more than fetching the page itself; past the cap the pages
    read "of more than N" and the user narrows the filters."""

    def __init__(self, object_list: Any, per_page: int, cap: int) -> None:
        if cap % per_page:
            raise ValueError("the cap must be a whole number of pages")
        super().__init__(object_list, per_page)
        self.cap = cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        # SELECT COUNT(*) FROM (SELECT … LIMIT cap + 1): stops after cap + 1 rows
        found = self.object_list.order_by()[: self.cap + 1].count()  # type: ignore[attr-defined]
        self.capped = found > self.cap
        return min(found, self.cap)


def page_of(
    request: HttpRequest, queryset: Any, size: int = PAGE_SIZE, *, cap: int | None = None
) -> Page:
    paginator = Paginator(queryset, size) if cap is None else CappedPaginator(queryset, size, cap)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters, without the page number, for the pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
