from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from . import dataversion
        from .api import schema  # noqa: F401  (registers the OpenAPI authentication extension)
        from .api.tombstones import track_default_models
        from .audit import recording

        track_default_models()
        recording.connect()
        dataversion.connect()
