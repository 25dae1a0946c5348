"""Where secrets come from, and the message when one is missing or malformed."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from branchcx.lib import secrets

NAMES = ("BRANCHCX_SECRET_KEY", "BRANCHCX_ENCRYPTION_KEYS", "BRANCHCX_BLIND_INDEX_KEY")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def good_environment() -> dict[str, str]:
    return {
        "BRANCHCX_SECRET_KEY": secrets.new_secret_key(),
        "BRANCHCX_ENCRYPTION_KEYS": f"k2:{secrets.new_key()},k1:{secrets.new_key()}",
        "BRANCHCX_BLIND_INDEX_KEY": secrets.new_key(),
    }


@pytest.fixture
def env(monkeypatch):
    """Set exactly the given BRANCHCX_* secrets in the environment; the others are unset."""

    def apply(**values: str) -> None:
        for name in NAMES:
            if name in values:
                monkeypatch.setenv(name, values[name])
            else:
                monkeypatch.delenv(name, raising=False)

    return apply


# --- production: the environment only ----------------------------------------------------


def test_production_loads_all_three_from_the_environment(env, tmp_path):
    values = good_environment()
    env(**values)

    loaded = secrets.load(tmp_path, production=True)

    assert loaded.secret_key == values["BRANCHCX_SECRET_KEY"]
    assert [kid for kid, _ in loaded.encryption_keys] == ["k2", "k1"]
    assert all(len(key) == 32 for _, key in loaded.encryption_keys)
    assert len(loaded.blind_index_key) == 32
    assert not (tmp_path / "secrets.json").exists()


@pytest.mark.parametrize("missing", NAMES)
def test_production_without_a_secret_names_the_missing_variable(env, tmp_path, missing):
    # given every secret but one
    values = good_environment()
    del values[missing]
    env(**values)

    # when / then
    with pytest.raises(ImproperlyConfigured) as caught:
        secrets.load(tmp_path, production=True)
    assert missing in str(caught.value)
    assert "not set" in str(caught.value)


@pytest.mark.parametrize("missing", NAMES)
def test_production_treats_a_blank_secret_as_missing(env, tmp_path, missing):
    values = good_environment()
    values[missing] = "   "
    env(**values)

    with pytest.raises(ImproperlyConfigured, match=missing):
        secrets.load(tmp_path, production=True)


def test_production_never_falls_back_to_the_embedded_secrets_file(env, tmp_path):
    # given an embedded secrets file from an earlier debug run
    env()
    secrets.load(tmp_path, production=False)
    assert (tmp_path / "secrets.json").exists()

    # when production starts without the environment variables
    with pytest.raises(ImproperlyConfigured, match="BRANCHCX_SECRET_KEY"):
        secrets.load(tmp_path, production=True)


def test_production_refuses_a_short_secret_key(env, tmp_path):
    values = good_environment()
    values["BRANCHCX_SECRET_KEY"] = "x" * 49
    env(**values)

    with pytest.raises(ImproperlyConfigured, match=r"BRANCHCX_SECRET_KEY.*at least 50"):
        secrets.load(tmp_path, production=True)


def test_production_accepts_a_secret_key_of_exactly_fifty_characters(env, tmp_path):
    values = good_environment()
    values["BRANCHCX_SECRET_KEY"] = "x" * 50
    env(**values)

    assert secrets.load(tmp_path, production=True).secret_key == "x" * 50


@pytest.mark.parametrize(
    "ring",
    [
        "just-a-key",  # no id
        f":{b64(os.urandom(32))}",  # empty id
        f"k.1:{b64(os.urandom(32))}",  # id with a character outside [A-Za-z0-9_-]
        f"{'k' * 17}:{b64(os.urandom(32))}",  # id longer than 16
        ",",  # no entries at all
    ],
    # stable ids (the keys are random): parallel test workers must collect the same tests
    ids=["no-id", "empty-id", "bad-character", "long-id", "empty"],
)
def test_a_malformed_ring_is_refused_naming_the_variable(env, tmp_path, ring):
    values = good_environment()
    values["BRANCHCX_ENCRYPTION_KEYS"] = ring
    env(**values)

    with pytest.raises(ImproperlyConfigured, match="BRANCHCX_ENCRYPTION_KEYS"):
        secrets.load(tmp_path, production=True)


def test_a_ring_key_of_the_wrong_length_is_refused_with_its_length(env, tmp_path):
    values = good_environment()
    values["BRANCHCX_ENCRYPTION_KEYS"] = f"k1:{b64(os.urandom(16))}"
    env(**values)

    with pytest.raises(ImproperlyConfigured) as caught:
        secrets.load(tmp_path, production=True)
    message = str(caught.value)
    assert "BRANCHCX_ENCRYPTION_KEYS" in message
    assert "16 bytes" in message
    assert "32" in message


def test_a_blind_index_key_of_the_wrong_length_is_refused(env, tmp_path):
    values = good_environment()
    values["BRANCHCX_BLIND_INDEX_KEY"] = b64(os.urandom(31))
    env(**values)

    with pytest.raises(ImproperlyConfigured, match=r"BRANCHCX_BLIND_INDEX_KEY.*31 bytes"):
        secrets.load(tmp_path, production=True)


def test_a_key_that_is_not_base64_is_refused(env, tmp_path):
    values = good_environment()
    values["BRANCHCX_BLIND_INDEX_KEY"] = "not-a-key"
    env(**values)

    with pytest.raises(ImproperlyConfigured, match="BRANCHCX_BLIND_INDEX_KEY"):
        secrets.load(tmp_path, production=True)


def test_a_duplicate_key_id_is_refused(env, tmp_path):
    values = good_environment()
    values["BRANCHCX_ENCRYPTION_KEYS"] = f"k1:{secrets.new_key()}, k1:{secrets.new_key()}"
    env(**values)

    with pytest.raises(ImproperlyConfigured, match=r"BRANCHCX_ENCRYPTION_KEYS.*'k1' twice"):
        secrets.load(tmp_path, production=True)


def test_a_ring_round_trips_through_its_text_form():
    ring = [("k2", os.urandom(32)), ("k1", os.urandom(32))]

    assert secrets.parse_key_ring(secrets.format_key_ring(ring)) == ring


def test_the_first_entry_of_the_ring_stays_first(env, tmp_path):
    values = good_environment()
    values["BRANCHCX_ENCRYPTION_KEYS"] = (
        f" new:{secrets.new_key()} , old:{secrets.new_key()},, older:{secrets.new_key()} "
    )
    env(**values)

    ring = secrets.load(tmp_path, production=True).encryption_keys

    assert [kid for kid, _ in ring] == ["new", "old", "older"]


# --- embedded mode: generated once into the data folder ----------------------------------


def test_embedded_mode_creates_an_owner_only_secrets_file_and_reuses_it(env, tmp_path):
    # given no secrets in the environment and a data folder not yet created
    env()
    data_dir = tmp_path / "data"

    # when BranchCX starts twice
    first = secrets.load(data_dir, production=False)
    second = secrets.load(data_dir, production=False)

    # then the file exists, only its owner can read it, and both starts saw the same secrets
    path = data_dir / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first == second
    assert len(first.secret_key) >= 50
    assert [kid for kid, _ in first.encryption_keys] == ["k1"]
    assert len(first.encryption_keys[0][1]) == 32
    assert len(first.blind_index_key) == 32
    assert set(json.loads(path.read_text(encoding="utf-8"))) == set(NAMES)


def test_embedded_mode_generates_different_secrets_for_different_data_folders(env, tmp_path):
    env()

    a = secrets.load(tmp_path / "a", production=False)
    b = secrets.load(tmp_path / "b", production=False)

    assert a.encryption_keys != b.encryption_keys
    assert a.blind_index_key != b.blind_index_key
    assert a.secret_key != b.secret_key


def test_embedded_mode_prefers_a_variable_that_is_set(env, tmp_path):
    # given an embedded file
    env()
    stored = secrets.load(tmp_path, production=False)

    # when one secret is set in the environment
    blind = os.urandom(32)
    env(BRANCHCX_BLIND_INDEX_KEY=b64(blind))
    loaded = secrets.load(tmp_path, production=False)

    # then that one wins and the others still come from the file
    assert loaded.blind_index_key == blind
    assert loaded.encryption_keys == stored.encryption_keys
    assert loaded.secret_key == stored.secret_key


def test_embedded_mode_with_all_secrets_set_writes_no_file(env, tmp_path):
    env(**good_environment())

    secrets.load(tmp_path, production=False)

    assert not (tmp_path / "secrets.json").exists()


def test_embedded_mode_still_refuses_a_malformed_ring(env, tmp_path):
    env(BRANCHCX_ENCRYPTION_KEYS="k1:short")

    with pytest.raises(ImproperlyConfigured, match="BRANCHCX_ENCRYPTION_KEYS"):
        secrets.load(tmp_path, production=False)
