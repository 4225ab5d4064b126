"""Settings come from BRIDGE_* variables, and a bridge missing a secret says which one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server_bridge.settings import ConfigError, Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("BRIDGE_"):
            monkeypatch.delenv(name)


def test_reads_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BRIDGE_STRIPE_SECRET_KEY", "sk_test_abc")
    monkeypatch.setenv("BRIDGE_WEBHOOK_SECRETS", "whsec_one, whsec_two")
    monkeypatch.setenv("BRIDGE_PLANS", '{"starter": "price_s", "pro": "price_p"}')
    monkeypatch.setenv("BRIDGE_PUBLIC_URL", "https://billing.example.com/")
    monkeypatch.setenv("BRIDGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BRIDGE_TOKEN_TTL_DAYS", "7")
    settings = Settings()
    settings.require()
    assert settings.stripe_secret_key is not None
    assert settings.stripe_secret_key.get_secret_value() == "sk_test_abc"
    assert [s.get_secret_value() for s in settings.webhook_secrets] == ["whsec_one", "whsec_two"]
    assert list(settings.plans) == ["starter", "pro"]
    assert settings.public_url == "https://billing.example.com"
    assert settings.return_url("/return/portal") == "https://billing.example.com/return/portal"
    assert settings.database_url == f"sqlite:///{tmp_path / 'bridge.db'}"
    assert settings.token_ttl_days == 7
    assert "sk_test_abc" not in repr(settings)


def test_refuses_missing_secrets_naming_each() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings().require()
    message = str(caught.value)
    for name in ("BRIDGE_STRIPE_SECRET_KEY", "BRIDGE_WEBHOOK_SECRETS", "BRIDGE_PLANS"):
        assert f"{name} is not set" in message


def test_names_only_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGE_STRIPE_SECRET_KEY", "sk_test_abc")
    monkeypatch.setenv("BRIDGE_WEBHOOK_SECRETS", " ")
    with pytest.raises(ConfigError) as caught:
        Settings(plans={"pro": "price_p"}).require()
    assert str(caught.value) == "BRIDGE_WEBHOOK_SECRETS is not set"
    Settings().require("stripe_secret_key")


def test_a_blank_secret_key_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGE_STRIPE_SECRET_KEY", "   ")
    with pytest.raises(ConfigError, match="BRIDGE_STRIPE_SECRET_KEY"):
        Settings().require("stripe_secret_key")


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGE_PLANS", "not json")
    with pytest.raises(Exception, match="plans"):
        Settings()


def test_body_limits_have_documented_defaults_and_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    assert (defaults.sign_in_body_limit, defaults.webhook_body_limit, defaults.body_limit,
            defaults.json_max_depth) == (8 * 1024, 1024 * 1024, 16 * 1024, 64)
    monkeypatch.setenv("BRIDGE_WEBHOOK_BODY_LIMIT", str(2 * 1024 * 1024))
    monkeypatch.setenv("BRIDGE_SIGN_IN_BODY_LIMIT", "4096")
    assert (Settings().webhook_body_limit, Settings().sign_in_body_limit) == (2 * 1024 * 1024, 4096)
    monkeypatch.setenv("BRIDGE_BODY_LIMIT", "10")  # too small for any JSON the desktop sends
    with pytest.raises(Exception, match="body_limit"):
        Settings()


def documented_settings(page: Path) -> set[str]:
    """The BRIDGE_* names in the first column of the page's tables."""
    names: set[str] = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            names.update(re.findall(r"`BRIDGE_([A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_the_operators_guide_lists_every_setting_and_only_those() -> None:
    assert Settings.model_config["env_prefix"] == "BRIDGE_"
    settings = {name.upper() for name in Settings.model_fields}
    documented = documented_settings(Path(__file__).resolve().parents[2] / "docs" / "operators.md")
    assert sorted(settings - documented) == [], "settings missing from docs/operators.md"
    assert sorted(documented - settings) == [], "docs/operators.md names settings the bridge does not have"
