"""Base viewsets: querysets from scoped selectors, ETags on reads, If-Match on writes, writes via services."""

import functools

from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .etag import check_if_match, etag_of

WRITE_METHODS = ("post", "put", "patch", "delete")


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """`selector(user=...)` returns what the user may see; anything else is 404. `read_selector`, when set, is used
    for `list` and `retrieve` instead: the same records, loaded only as far as the JSON shape needs (writes and
    their responses keep `selector`, which the services get their records from)."""

    selector = None
    read_selector = None
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        selector = type(self).read_selector if self.action in ("list", "retrieve") else None
        return (selector or type(self).selector)(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        tag = etag_of(instance)
        if request.headers.get("If-None-Match") == tag:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})
        return Response(self.get_serializer(instance).data, headers={"ETag": tag})


class ServiceWriteMixin:
    """Create through the app's services; actions on one record call `get_locked_object()`.

    Every write handler runs in one database transaction. `get_locked_object()` locks the row the services lock
    (`lock_object`), re-reads the record and only then compares If-Match with its ETag, so the comparison and the
    write see the same version of the record: of two concurrent writes carrying the same ETag one succeeds and the
    other answers 412, never both. Subclasses set `write_serializer_class` and implement `create_object(user, data)`.
    """

    write_serializer_class = None

    def dispatch(self, request, *args, **kwargs):
        method = request.method.lower()
        handler = getattr(self, method, None) if method in WRITE_METHODS else None
        if handler is not None:
            # An exception leaves the atomic block (rolling the write back) before DRF turns it into a response.
            setattr(self, method, functools.wraps(handler)(transaction.atomic(handler)))
        return super().dispatch(request, *args, **kwargs)

    def lock_object(self, instance) -> None:
        """Take the row lock the write's service takes first (by default the record's own row)."""
        type(instance)._default_manager.select_for_update().filter(pk=instance.pk).values_list("pk").first()

    def get_locked_object(self, *, if_match_required: bool = True):
        """The record named in the URL (404 outside scope), locked for this transaction, after If-Match was compared
        with its current ETag (428 when required and missing, 412 when stale)."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("get_locked_object() must run inside the write's transaction")
        self.lock_object(self.get_object())
        instance = self.get_object()  # re-read: what the lock now protects
        if if_match_required or self.request.headers.get("If-Match"):
            check_if_match(self.request, instance)
        return instance

    def _respond(self, instance, code=status.HTTP_200_OK):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(instance).data, status=code, headers={"ETag": etag_of(instance)})

    def _input(self, request, partial=False, instance=None):
        serializer = self.write_serializer_class(
            data=request.data, partial=partial, context={**self.get_serializer_context(), "instance": instance}
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def create(self, request, *args, **kwargs):
        instance = self.create_object(request.user, self._input(request))
        return self._respond(instance, status.HTTP_201_CREATED)


class ServiceUpdateMixin(ServiceWriteMixin):
    """PUT / PATCH through the services (`update_object(user, instance, data)`), If-Match compared under the lock."""

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_locked_object()
        instance = self.update_object(request.user, instance, self._input(request, partial, instance))
        return self._respond(instance)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


class ScopedWriteViewSet(ServiceUpdateMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    pass
