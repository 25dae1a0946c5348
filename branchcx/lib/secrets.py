"""Where BranchCX's secrets come from, and the exact message when one is wrong.

Three secrets exist:

``BRANCHCX_SECRET_KEY``
    Django's signing key (sessions, CSRF, password-reset links). At least 50 characters.
``BRANCHCX_ENCRYPTION_KEYS``
    The key ring for personal data: ``id:key[,id:key…]`` where each key is 32 random bytes in
    URL-safe base64. The first entry encrypts new data; the others only decrypt, which is how
    keys rotate (add a new first key, run ``branchcx rotate-keys``, then drop the old one).
``BRANCHCX_BLIND_INDEX_KEY``
    32 random bytes in URL-safe base64 for the HMAC blind indexes used for exact look-ups.

In production (``BRANCHCX_DEBUG=0``) all three must be set. In embedded mode the ones not set
are generated once into ``secrets.json`` in the data folder (readable by the owner only).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
KEY_BYTES = 32
GENERATE_HINT = "Generate values with `branchcx genkeys`."


@dataclass(frozen=True)
class Secrets:
    secret_key: str
    encryption_keys: list[tuple[str, bytes]]
    blind_index_key: bytes


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def new_secret_key() -> str:
    return secrets.token_urlsafe(64)


def decode_key(variable: str, text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            f"{variable} holds a key that is not URL-safe base64. {GENERATE_HINT}"
        ) from None
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{variable} holds a key of {len(raw)} bytes; it must be {KEY_BYTES}. {GENERATE_HINT}"
        )
    return raw


def parse_key_ring(
    text: str, variable: str = "BRANCHCX_ENCRYPTION_KEYS"
) -> list[tuple[str, bytes]]:
    ring: list[tuple[str, bytes]] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        key_id, sep, key_text = entry.partition(":")
        if not sep or not KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(
                f"{variable} must look like 'k1:<base64 key>[,k0:<base64 key>]' "
                f"(key ids: letters, digits, '-' or '_', at most 16). {GENERATE_HINT}"
            )
        if any(existing == key_id for existing, _ in ring):
            raise ImproperlyConfigured(f"{variable} names key id {key_id!r} twice.")
        ring.append((key_id, decode_key(variable, key_text)))
    if not ring:
        raise ImproperlyConfigured(f"{variable} is empty. {GENERATE_HINT}")
    return ring


def format_key_ring(ring: list[tuple[str, bytes]]) -> str:
    return ",".join(f"{kid}:{base64.urlsafe_b64encode(key).decode()}" for kid, key in ring)


def _from_environment(production: bool) -> dict[str, str]:
    values = {
        name: os.environ.get(name, "").strip()
        for name in ("BRANCHCX_SECRET_KEY", "BRANCHCX_ENCRYPTION_KEYS", "BRANCHCX_BLIND_INDEX_KEY")
    }
    if production:
        for name, value in values.items():
            if not value:
                raise ImproperlyConfigured(
                    f"{name} is not set, and BRANCHCX_DEBUG=0 requires it. {GENERATE_HINT}"
                )
    return values


def _embedded_file(data_dir: Path) -> dict[str, str]:
    """Read the embedded secrets file, creating it with fresh values on first start."""
    path = data_dir / "secrets.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return stored
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = {
        "BRANCHCX_SECRET_KEY": new_secret_key(),
        "BRANCHCX_ENCRYPTION_KEYS": f"k1:{new_key()}",
        "BRANCHCX_BLIND_INDEX_KEY": new_key(),
    }
    # O_EXCL: two processes starting at once must not each write different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _embedded_file(data_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(generated, handle, indent=2)
    return generated


def load(data_dir: Path, production: bool) -> Secrets:
    values = _from_environment(production)
    if not production and not all(values.values()):
        stored = _embedded_file(data_dir)
        values = {name: value or stored[name] for name, value in values.items()}
    secret_key = values["BRANCHCX_SECRET_KEY"]
    if production and len(secret_key) < 50:
        raise ImproperlyConfigured(
            f"BRANCHCX_SECRET_KEY must be at least 50 characters long. {GENERATE_HINT}"
        )
    return Secrets(
        secret_key=secret_key,
        encryption_keys=parse_key_ring(values["BRANCHCX_ENCRYPTION_KEYS"]),
        blind_index_key=decode_key("BRANCHCX_BLIND_INDEX_KEY", values["BRANCHCX_BLIND_INDEX_KEY"]),
    )
