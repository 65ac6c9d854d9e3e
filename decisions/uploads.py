"""An upload handler that refuses an over-size evidence file while it streams in.

Django parses a multipart body completely (spooling files to a temporary file) before any view code runs, so a
size check in the form or the service alone would still read, and write to disk, a 1 GB upload. This handler
runs first: as soon as the request declares, or the file turns out to be, larger than `MAX_EVIDENCE_BYTES`, it
marks the request (`request.upload_too_large`) and stops reading; the view then answers with a Chinese error.
"""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from .services.tasks import MAX_EVIDENCE_BYTES

# Room for the multipart framing and the small form fields (CSRF token) next to the file.
FORM_OVERHEAD_BYTES = 64 * 1024


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops the upload once a file exceeds `limit` bytes (or the body declares more than it can hold).

    The fields sent before the file (the CSRF token comes first in every form of the portal) are kept, so the
    request is still checked for CSRF; the file itself is never stored.
    """

    def __init__(self, request: HttpRequest, limit: int = MAX_EVIDENCE_BYTES) -> None:
        super().__init__(request)
        self.limit = limit
        self.declared_too_large = False
        request.upload_too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803 (Django's API)
        self.declared_too_large = content_length > self.limit + FORM_OVERHEAD_BYTES
        return None  # let the other handlers parse the body

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        if self.declared_too_large or (content_length is not None and content_length > self.limit):
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int):
        return None  # the next handler (memory or temporary file) builds the uploaded file

    def _refuse(self) -> None:
        self.request.upload_too_large = True
        # connection_reset: do not read (and discard) the rest of the body either.
        raise StopUpload(connection_reset=True)
