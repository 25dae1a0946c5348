"""Refusing an oversized attachment while it arrives. Without this, Django keeps the whole
upload (in memory, or in a temporary file past 2.5 MB) before the form can look at its size."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from branchcx.complaints import files


class AttachmentLimit(FileUploadHandler):
    """Counts the bytes of the files in a request as they arrive and stops the upload once
    they pass ``files.max_bytes()``. The rest of the body is read and thrown away
    (``connection_reset=False``), so the browser gets the form back with the size error
    rather than a broken connection. Installed first, it passes every chunk on to Django's
    own handlers, which keep the file when it fits."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = files.max_bytes()
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        # counted over the whole request: two files under the limit are not a way round it
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler returns the file
