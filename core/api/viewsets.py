"""Base viewsets: querysets from scoped selectors, ETags on reads, If-Match on writes, writes via services."""

from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .etag import check_if_match, etag_of


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """`selector(user=...)` returns what the user may see; anything else is 404."""

    selector = None

    def get_queryset(self):
        return type(self).selector(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        tag = etag_of(instance)
        if request.headers.get("If-None-Match") == tag:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})
        return Response(self.get_serializer(instance).data, headers={"ETag": tag})


class ServiceWriteMixin:
    """Create and update through the app's services. Subclasses set `write_serializer_class` and implement
    `create_object(user, data)` and `update_object(user, instance, data)`."""

    write_serializer_class = None

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

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        check_if_match(request, instance)
        instance = self.update_object(request.user, instance, self._input(request, partial, instance))
        return self._respond(instance)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


class ScopedWriteViewSet(ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    pass
