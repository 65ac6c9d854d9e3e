"""Celery application; configuration comes from Django settings (CELERY_* names).

Request ids in the worker: a task sent while a request is handled carries that request's id (django-guid) in a
message header, and the worker's log lines for the task show it (`[%(request_id)s]` in the worker's formats), so a
report can be followed from the click to the PDF. Tasks without one (beat's schedule, tasks sent by a command) get
a new id, as a request without `X-Request-ID` does. Eager tasks run inside the request and keep its id.
"""

import logging
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haidian_governance.settings")

app = Celery("haidian_governance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

REQUEST_ID_HEADER = "request_id"


@signals.before_task_publish.connect(dispatch_uid="request-id-publish")
def carry_request_id(headers: dict, **kwargs) -> None:
    from django_guid import get_guid  # django-guid reads the settings on import

    request_id = get_guid()
    if request_id:
        headers[REQUEST_ID_HEADER] = request_id


@signals.task_prerun.connect(dispatch_uid="request-id-prerun")
def adopt_request_id(task, **kwargs) -> None:
    from django_guid import set_guid
    from django_guid.utils import generate_guid

    if not task.request.is_eager:
        set_guid(task.request.get(REQUEST_ID_HEADER) or generate_guid())


@signals.task_postrun.connect(dispatch_uid="request-id-postrun")
def drop_request_id(task, **kwargs) -> None:
    from django_guid import clear_guid

    if not task.request.is_eager:
        clear_guid()


@signals.after_setup_logger.connect(dispatch_uid="request-id-logger")
@signals.after_setup_task_logger.connect(dispatch_uid="request-id-task-logger")
def add_request_id_to_records(**kwargs) -> None:
    """In the worker, every log record gets `request_id` ("-" outside a task) for the worker's formats — those of
    Celery's, billiard's and every library's loggers alike, hence a record factory rather than a handler filter."""
    from .logging_config import RequestIdFilter

    current = logging.getLogRecordFactory()
    if getattr(current, "adds_request_id", False):
        return
    request_id = RequestIdFilter("-")

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        request_id.filter(record)
        return record

    factory.adds_request_id = True
    logging.setLogRecordFactory(factory)
