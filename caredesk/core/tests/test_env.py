"""Settings come from the environment and fail loudly on values they cannot read."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from caredesk.env import env_bool, env_choice, env_int, env_list, env_str, env_timezone, env_url


def test_defaults_apply_when_unset() -> None:
    assert env_str("X", "d", {}) == "d"
    assert env_bool("X", True, {}) is True
    assert env_int("X", 7, {}) == 7
    assert env_list("X", ["a"], {}) == ["a"]
    assert env_timezone("X", "America/Los_Angeles", {}) == "America/Los_Angeles"


def test_values_are_parsed() -> None:
    assert env_bool("X", False, {"X": "Yes"}) is True
    assert env_bool("X", True, {"X": "0"}) is False
    assert env_int("X", 0, {"X": " 42 "}) == 42
    assert env_list("X", [], {"X": "a.example, b.example,,"}) == ["a.example", "b.example"]
    assert env_choice("X", "a", {"a", "b"}, {"X": "b"}) == "b"


@pytest.mark.parametrize(
    "call",
    [
        lambda: env_bool("DEBUG", False, {"DEBUG": "maybe"}),
        lambda: env_int("PORT", 1, {"PORT": "eighty"}),
        lambda: env_int("PORT", 1, {"PORT": "0"}, minimum=1),
        lambda: env_choice("MODE", "a", {"a", "b"}, {"MODE": "c"}),
        lambda: env_timezone("TZ", "UTC", {"TZ": "Mars/Olympus_Mons"}),
        lambda: env_list("HOSTS", ["a"], {"HOSTS": " , "}, non_empty=True),
        lambda: env_url("URL", "", {"URL": "care.example.com"}, schemes={"https"}),
        lambda: env_url("URL", "", {"URL": "javascript:alert(1)"}, schemes={"http", "https"}),
        lambda: env_url("URL", "", {"URL": "https://care.example.com:99999"}, schemes={"https"}),
    ],
)
def test_bad_values_fail_loudly_naming_the_variable(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImproperlyConfigured) as err:
        call()
    assert any(name in str(err.value) for name in ("DEBUG", "PORT", "MODE", "TZ", "HOSTS", "URL"))


def test_urls_are_read() -> None:
    assert env_url("URL", "http://127.0.0.1:8000", {}, schemes={"http"}) == "http://127.0.0.1:8000"
    assert env_url("URL", "", {"URL": "https://care.example.com/"}, schemes={"https"}) == "https://care.example.com/"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list at least one value"),
        ({"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"}, "not both"),
        ({"CAREDESK_BASE_URL": "care.example.com"}, "CAREDESK_BASE_URL must be an absolute"),
        ({"DATABASE_URL": "mysql://db/care"}, "DATABASE_URL must start with"),
        ({"DATABASE_URL": "postgres://u@h:notaport/db"}, "DATABASE_URL"),
    ],
)
def test_inconsistent_settings_stop_the_start(tmp_path, variables: dict[str, str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        env={"DJANGO_SETTINGS_MODULE": "caredesk.settings", "CAREDESK_DATA_DIR": str(tmp_path), **variables},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_the_product_refuses_to_start_with_a_bad_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        env={"DJANGO_SETTINGS_MODULE": "caredesk.settings", "CAREDESK_DATA_DIR": str(tmp_path), "DEBUG": "perhaps"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_without_a_secret_key_one_is_generated_once_and_kept(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {"DJANGO_SETTINGS_MODULE": "caredesk.settings", "CAREDESK_DATA_DIR": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
