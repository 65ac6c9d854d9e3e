"""Pagination of the long lists (meetings, decisions, communications, findings, schools): the total count of a
scope-wide list (hundreds of thousands of rows at city scale) is cached under the data version."""

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from . import dataversion


class CachedCountPaginator(Paginator):
    """A `Paginator` whose `count` of a queryset is read through the cache, keyed by the query's own SQL and
    parameters (which carry the user's scope and the filters) and the data version (which every write changes)."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        try:
            sql, params = queryset.query.sql_with_params()
        except EmptyResultSet:
            return 0
        return dataversion.cached(("count", queryset.db, sql, tuple(params)), queryset.count)
