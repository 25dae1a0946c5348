from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """Each test writes its SMS and email files into a folder of its own."""
    settings.DATA_DIR = tmp_path
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox" / "email")
    settings.BRANCHCX_SMS_BACKEND = "file"
    settings.BRANCHCX_OUTBOX_MAX_ATTEMPTS = 5
    return tmp_path
