"""Encryption at rest for personal data, and keyed blind indexes for exact look-ups.

Values are sealed with AES-256-GCM. A stored value reads ``v1:<key id>:<base64(nonce|ct)>``;
the key id names the key in ``BRANCHCX_ENCRYPTION_KEYS`` that sealed it, so old keys can stay
in the ring for reading while the first key writes. Each field passes a fixed *purpose* string
as associated data: a ciphertext copied into another column (an ID number pasted into a phone
column, say) fails to decrypt instead of being shown as the wrong thing.

Blind indexes are HMAC-SHA256 of the normalised value under ``BRANCHCX_BLIND_INDEX_KEY`` with
the purpose as domain separator. They answer "is there a record with exactly this mobile" and
nothing else: no prefix, range or fuzzy search, and an attacker with the database alone cannot
test guesses without the key.
"""

from __future__ import annotations

import base64
import hmac
import os
from collections.abc import Callable
from hashlib import sha256
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models

FORMAT_VERSION = "v1"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    """A stored value could not be decrypted with the configured key ring."""


def key_ring() -> list[tuple[str, bytes]]:
    ring: list[tuple[str, bytes]] = settings.BRANCHCX_ENCRYPTION_KEYS
    return ring


def active_key_id() -> str:
    return key_ring()[0][0]


def encrypt(plaintext: str, purpose: str) -> str:
    key_id, key = key_ring()[0]
    return encrypt_with(key_id, key, plaintext, purpose)


def encrypt_with(key_id: str, key: bytes, plaintext: str, purpose: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), purpose.encode("utf-8"))
    return f"{FORMAT_VERSION}:{key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def split_token(token: str) -> tuple[str, bytes]:
    """Return (key id, nonce|ciphertext) of a stored value, or raise DecryptionError."""
    version, _, rest = token.partition(":")
    key_id, _, body = rest.partition(":")
    if version != FORMAT_VERSION or not key_id or not body:
        raise DecryptionError(
            "A personal-data column holds a value that is not BranchCX ciphertext; "
            "it may have been written around the application."
        )
    try:
        blob = base64.b64decode(body, validate=True)
    except ValueError:
        raise DecryptionError("A stored ciphertext is not valid base64.") from None
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("A stored ciphertext is truncated.")
    return key_id, blob


def key_id_of(token: str) -> str:
    return split_token(token)[0]


def decrypt(token: str, purpose: str) -> str:
    key_id, blob = split_token(token)
    keys = dict(key_ring())
    if key_id not in keys:
        raise DecryptionError(
            f"Data was encrypted with key id {key_id!r}, which BRANCHCX_ENCRYPTION_KEYS does not "
            "contain. Add that key back to the ring (after the active key) and restart."
        )
    try:
        plain = AESGCM(keys[key_id]).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], purpose.encode("utf-8")
        )
    except InvalidTag:
        raise DecryptionError(
            f"The key with id {key_id!r} in BRANCHCX_ENCRYPTION_KEYS is not the key this data was "
            "written with (or the stored value was altered)."
        ) from None
    return plain.decode("utf-8")


def reencrypt(token: str, purpose: str) -> str:
    """Seal a stored value again under the active key (used by ``branchcx rotate-keys``)."""
    return encrypt(decrypt(token, purpose), purpose)


def blind_index(normalised: str, purpose: str) -> str:
    key: bytes = settings.BRANCHCX_BLIND_INDEX_KEY
    message = purpose.encode("utf-8") + b"\x00" + normalised.encode("utf-8")
    return hmac.new(key, message, sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column that is only ever written as AES-GCM ciphertext.

    ``purpose`` is fixed for the life of the data (it is bound into every ciphertext), so it
    is given explicitly rather than derived from the model name, which may change.
    Only ``isnull`` can be queried; search through a :class:`BlindIndexField` instead.
    """

    description = "Text encrypted at rest (AES-256-GCM)"

    def __init__(self, *args: Any, purpose: str, **kwargs: Any) -> None:
        self.purpose = purpose
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value, self.purpose)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value), self.purpose)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.name} is encrypted and cannot be searched with '{lookup_name}'; "
                "use its blind index."
            )
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """HMAC of another field's normalised value, filled in on every save of the row."""

    description = "Keyed blind index of an encrypted field"

    def __init__(
        self,
        *args: Any,
        source: str,
        purpose: str,
        normaliser: Callable[[str], str],
        **kwargs: Any,
    ) -> None:
        self.source = source
        self.purpose = purpose
        self.normaliser = normaliser
        kwargs.update(max_length=64, null=True, blank=True, editable=False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        for generated in ("max_length", "null", "blank", "editable"):
            kwargs.pop(generated, None)
        kwargs.update(source=self.source, purpose=self.purpose, normaliser=self.normaliser)
        return name, path, args, kwargs

    def index_for(self, value: str) -> str:
        """The index value to filter on for a plaintext ``value`` (raises ValueError if invalid)."""
        return blind_index(self.normaliser(value), self.purpose)

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:
        plain = getattr(model_instance, self.source)
        index = self.index_for(plain) if plain else None
        setattr(model_instance, self.attname, index)
        return index


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def blind_index_fields(model: type[models.Model]) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
