"""Background imports: the upload page queues a job, the worker loads the file."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from branchcx.customers.jobs import run_job


@db_task()
def run_import_job(job_id: int) -> str:
    return run_job(job_id)
