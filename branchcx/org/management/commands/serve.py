"""Start BranchCX: gunicorn for the web, plus (with --with-worker) the background worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from branchcx.audit.checks import seal_missing_key_checks


class Command(BaseCommand):
    help = "Serve BranchCX over HTTP with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("BRANCHCX_PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("BRANCHCX_HOST", "127.0.0.1"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("BRANCHCX_WEB_WORKERS", 2))
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also run the background worker in a child process (embedded mode).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        # Refuse to start with a wrong encryption key or unapplied migrations.
        self.check(databases=["default"])
        self.check_migrations()
        seal_missing_key_checks()
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        child = None
        if opts["with_worker"]:
            child = subprocess.Popen([sys.executable, "-m", "branchcx.cli", "worker"])
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "branchcx.wsgi:application",
            "--bind",
            f"{opts['host']}:{opts['port']}",
            "--workers",
            str(opts["workers"]),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            # Only our own proxies may set X-Forwarded-Proto/-For (HTTPS detection).
            "--forwarded-allow-ips",
            ",".join(settings.BRANCHCX_TRUSTED_PROXIES) or "127.0.0.1",
        ]
        self.stdout.write(f"BranchCX on http://{opts['host']}:{opts['port']}/  (Ctrl+C stops)")
        web = subprocess.Popen(command)  # noqa: S603

        # A service manager stops us with SIGTERM: pass it on to gunicorn, then stop the worker
        # below, so no child process outlives `serve`.
        def stop(signum: int, frame: Any) -> None:
            web.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        try:
            web.wait()
        except KeyboardInterrupt:
            web.send_signal(signal.SIGTERM)
            web.wait()
        finally:
            if child is not None:
                child.send_signal(signal.SIGINT)
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
        if web.returncode not in (0, -signal.SIGTERM):
            sys.exit(web.returncode)
