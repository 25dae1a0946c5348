"""The set-up contract in DESIGN.md, exercised as a new user would: real processes, an empty
data folder, nothing configured. These start their own embedded database, so they run once
(in the SQLite pass) rather than again on PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("BRANCHCX_DATABASE_URL")),
    reason="contract tests run their own embedded SQLite; covered by the SQLite pass",
)

CLI = [sys.executable, "-m", "branchcx.cli"]


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRANCHCX_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["BRANCHCX_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        CLI + args, env=env, capture_output=True, text=True, timeout=180, check=check
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 30) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            # a first request loads every view: give a busy machine time to answer it
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
                return response.status, response.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_migrate_then_serve_on_an_empty_data_dir_starts_a_working_server(tmp_path):
    env = clean_env(tmp_path / "data")
    run(["migrate", "--noinput"], env)
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [*CLI, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status, body = wait_for(f"http://127.0.0.1:{port}/healthz")
        assert status == 200
        assert '"database": "ok"' in body
        status, page = wait_for(f"http://127.0.0.1:{port}/")  # follows the redirect
        assert status == 200
        assert '<html lang="zh-hans">' in page
        assert "登录" in page
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (tmp_path / "data" / "branchcx.sqlite3").exists()
    assert oct((tmp_path / "data" / "secrets.json").stat().st_mode & 0o777) == "0o600"


def children_of(pid: int) -> list[int]:
    """Child process ids, read from /proc (field 4 of /proc/N/stat is the parent id)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_stopping_serve_also_stops_its_worker(tmp_path):
    env = clean_env(tmp_path / "data")
    run(["migrate", "--noinput"], env)
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [*CLI, "serve", "--port", str(port), "--workers", "1", "--with-worker"], env=env
    )
    wait_for(f"http://127.0.0.1:{port}/healthz")
    children = children_of(server.pid)
    assert len(children) == 2  # gunicorn and the worker
    server.terminate()
    assert server.wait(timeout=60) == 0
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(
            f"/proc/{pid}/status"
        ).read_text(encoding="utf-8"), f"child {pid} outlived serve"


def test_production_mode_refuses_to_start_without_secrets(tmp_path):
    env = clean_env(tmp_path, BRANCHCX_DEBUG="0", BRANCHCX_ALLOWED_HOSTS="bank.example")
    result = run(["check"], env, check=False)
    assert result.returncode != 0
    assert "BRANCHCX_SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "secrets.json").exists()


def test_production_mode_names_a_malformed_key(tmp_path):
    keys = dict(line.split("=", 1) for line in run(["genkeys"], clean_env(tmp_path)).stdout.split())
    keys["BRANCHCX_ENCRYPTION_KEYS"] = "k1:tooshort"
    env = clean_env(tmp_path, BRANCHCX_DEBUG="0", BRANCHCX_ALLOWED_HOSTS="bank.example", **keys)
    result = run(["check"], env, check=False)
    assert result.returncode != 0
    assert "BRANCHCX_ENCRYPTION_KEYS" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    keys = dict(line.split("=", 1) for line in run(["genkeys"], clean_env(tmp_path)).stdout.split())
    env = clean_env(tmp_path, BRANCHCX_DEBUG="0", BRANCHCX_ALLOWED_HOSTS="bank.example", **keys)
    result = run(["check", "--deploy", "--fail-level", "WARNING"], env, check=False)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_demo_is_loaded_once_and_its_login_works(tmp_path):
    env = clean_env(tmp_path)
    run(["migrate", "--noinput"], env)
    first = run(["demo", "--customers", "40", "--months", "2"], env).stdout
    assert "BranchCX-demo-2026" in first
    assert "sh0101.teller" in first
    second = run(["demo"], env).stdout
    assert "already loaded" in second
    assert "sh0101.teller" in second  # `make run` shows the logins every time
    shell = run(
        [
            "shell",
            "-c",
            "from django.contrib.auth.models import User;"
            "print(User.objects.get(username='admin').check_password('BranchCX-demo-2026'))",
        ],
        env,
    )
    assert shell.stdout.strip().endswith("True")


def test_worker_starts_the_consumer_with_the_periodic_schedule(tmp_path):
    env = clean_env(tmp_path)
    run(["migrate", "--noinput"], env)
    worker = subprocess.Popen(  # noqa: S603
        [*CLI, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert worker.stdout is not None
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            if not line:
                break
            seen.append(line)
            if "prune_expired_credentials" in line:
                break
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    log = "".join(seen)
    assert "Periodic tasks are enabled" in log, log
    assert "prune_expired_credentials" in log, log
