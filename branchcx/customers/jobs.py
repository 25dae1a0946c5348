"""Import jobs: an uploaded file, checked or loaded by the worker, with visible progress.

The import itself runs in one database transaction (all or nothing), so its progress cannot
be written to the database where other sessions would see it before the end: it goes to a
small JSON file next to the upload in ``$BRANCHCX_DATA_DIR/imports/``. The upload is
deleted as soon as the job finishes (it holds personal data). Web and worker must therefore
share the data folder (see docs/operations.md).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from branchcx.customers.imports import ImportReport, run_import
from branchcx.customers.models import ImportJob
from branchcx.org.access import own_staff_profile
from branchcx.org.models import Branch
from branchcx.org.scoping import require_perm

log = logging.getLogger(__name__)
SUFFIXES = {".csv", ".txt", ".xlsx"}


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _progress_path(job: ImportJob) -> Path:
    return upload_dir() / f"{job.uuid}.progress.json"


def create_job(
    user: Any, kind: str, upload: UploadedFile, *, dry_run: bool, skip_invalid: bool = False
) -> ImportJob:
    """Store the upload under a random name and record the job (queued)."""
    require_perm(user, "customers.import_customers")
    staff = own_staff_profile(user)
    branch = staff.branch if staff else Branch.objects.get(parent__isnull=True)
    name = Path(upload.name or "upload").name[:200]
    suffix = Path(name).suffix.lower()
    job = ImportJob(
        kind=kind,
        file_name=name,
        dry_run=dry_run,
        skip_invalid=skip_invalid and not dry_run,
        created_by=user,
        branch=branch,
    )
    job.stored_name = f"{job.uuid}{suffix if suffix in SUFFIXES else '.dat'}"
    with (upload_dir() / job.stored_name).open("wb") as target:
        for piece in upload.chunks():
            target.write(piece)
    job.save()
    return job


def read_progress(job: ImportJob) -> tuple[int, int]:
    """(rows done, rows in the file) while the job runs."""
    try:
        data = json.loads(_progress_path(job).read_text())
        return int(data["done"]), int(data["total"])
    except (OSError, ValueError, KeyError):
        return job.processed_rows, job.total_rows


def _write_progress(job: ImportJob, done: int, total: int) -> None:
    path = _progress_path(job)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"done": done, "total": total}))
    os.replace(temporary, path)


def run_job(job_id: int) -> str:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return job.status
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    source = upload_dir() / job.stored_name
    user = job.created_by or get_user_model()()
    report: ImportReport | None = None
    try:
        report = run_import(
            user,
            job.kind,
            source,
            file_name=job.file_name,
            dry_run=job.dry_run,
            skip_invalid=job.skip_invalid,
            progress=lambda done, total: _write_progress(job, done, total),
        )
    except Exception:  # the job must end in a visible state whatever happens
        log.exception("import job %s failed", job.uuid)
        job.status = ImportJob.Status.FAILED
        job.message = ""
    finally:
        source.unlink(missing_ok=True)
        _progress_path(job).unlink(missing_ok=True)
    if report is not None:
        nothing_valid = report.skip_invalid and report.skipped and not report.loaded
        job.status = (
            ImportJob.Status.REJECTED
            if report.writes_blocked or report.file_error or nothing_valid
            else ImportJob.Status.SUCCEEDED
        )
        job.total_rows = job.processed_rows = report.total
        job.created_count = report.created
        job.updated_count = report.updated
        job.unchanged_count = report.unchanged
        job.error_count = report.error_count
        job.skipped_rows = report.skipped if report.skip_invalid else 0
        job.skipped_ranges = report.skipped_ranges if report.skip_invalid else ""
        job.errors = [list(e) for e in report.errors]
        job.message = report.file_error
    job.finished_at = timezone.now()
    job.save()
    return job.status
