"""Where the bridge's address comes from (link, operator's file, typed) and which addresses are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.services import Paths
from desktop_app.services.addresses import (BadAddress, OperatorDefaults, check, from_link, make_link,
                                            operator_defaults, typed)


@pytest.mark.parametrize("text, expected", [
    ("billing.example.com", "https://billing.example.com"),
    ("  billing.example.com/  ", "https://billing.example.com"),
    ("billing.example.com:8443/bridge/", "https://billing.example.com:8443/bridge"),
    ("HTTPS://Billing.Example.com", "https://billing.example.com"),
    ("127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("localhost:8000", "http://localhost:8000"),
    ("[::1]:8000", "http://[::1]:8000"),
    ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
])
def test_typed_addresses_get_https_added(text: str, expected: str) -> None:
    assert typed(text) == expected


@pytest.mark.parametrize("text, words", [
    ("", "Enter the billing server"),
    ("http://billing.example.com", "must start with https://"),
    ("http://10.0.0.5:8000", "must start with https://"),
    ("https://owner:secret@billing.example.com", "user name or password"),
    ("https://token@billing.example.com", "user name or password"),
    ("ftp://billing.example.com", "starts with https://"),
    ("https://", "starts with https://"),
    ("https://billing.example.com/?next=evil", "no ? or # part"),
    ("https://billing.example.com:port", "not a billing server address"),
    ("https://billing example.com", "not a billing server address"),
    ("https://billing.example.com/" + "a" * 3000, "not a billing server address"),
])
def test_addresses_the_app_refuses_say_why(text: str, words: str) -> None:
    with pytest.raises(BadAddress) as caught:
        typed(text)
    assert words in caught.value.message


@pytest.mark.parametrize("link", [
    "billing-manager://connect?bridge=https://billing.example.com",
    "billing-manager://connect?bridge=https%3A%2F%2Fbilling.example.com%2F",
    "billing-manager://connect/?bridge=https://billing.example.com",
    "BILLING-MANAGER://Connect?bridge=https://billing.example.com",
    "billing-manager:connect?bridge=https://billing.example.com",
])
def test_a_dashboard_link_names_the_bridge(link: str) -> None:
    assert from_link(link) == "https://billing.example.com"


@pytest.mark.parametrize("link, words", [
    ("https://billing.example.com", "not a Billing Manager link"),
    ("billing-manager://signin?bridge=https://billing.example.com", "not one this version understands"),
    ("billing-manager://connect/extra?bridge=https://billing.example.com", "not one this version understands"),
    ("billing-manager://connect", "does not say which billing server"),
    ("billing-manager://connect?bridge=", "does not say which billing server"),
    ("billing-manager://connect?bridge=https://a.example.com&bridge=https://b.example.com",
     "does not say which billing server"),
    ("billing-manager://connect?bridge=http://billing.example.com", "must start with https://"),
    ("billing-manager://connect?bridge=https%3A%2F%2Fme%3Apw%40billing.example.com", "user name or password"),
    ("billing-manager://connect?bridge=javascript:alert(1)", "starts with https://"),
    ("billing-manager://connect?bridge=https://billing.example.com/" + "a" * 3000, "too long"),
])
def test_bad_links_are_refused_with_a_reason(link: str, words: str) -> None:
    with pytest.raises(BadAddress) as caught:
        from_link(link)
    assert words in caught.value.message


def test_an_operator_link_round_trips() -> None:
    link = make_link("https://billing.example.com/bridge/")
    assert link == "billing-manager://connect?bridge=https%3A%2F%2Fbilling.example.com%2Fbridge"
    assert from_link(link) == "https://billing.example.com/bridge"
    assert check("http://127.0.0.1:9/") == "http://127.0.0.1:9"


def operator_file(tmp_path: Path, text: str | bytes) -> Paths:
    paths = Paths.under(tmp_path)
    assert paths.operator_file is not None
    paths.operator_file.parent.mkdir(parents=True)
    if isinstance(text, bytes):
        paths.operator_file.write_bytes(text)
    else:
        paths.operator_file.write_text(text, encoding="utf-8")
    return paths


def test_the_operator_file_beside_the_app_gives_the_bridge_and_help_pages(tmp_path: Path) -> None:
    paths = operator_file(tmp_path, 'bridge = "https://billing.example.com/"\ndocs = "https://help.example.com/billing"\n')
    assert paths.operator_file == tmp_path / "app" / "billing-manager.toml"
    assert operator_defaults(paths.operator_file) == OperatorDefaults("https://billing.example.com",
                                                                      "https://help.example.com/billing")


@pytest.mark.parametrize("text", [
    b"bridge = 'https://billing.example.com",                  # not TOML
    b"\xff\xfe",                                               # not text
    b'bridge = "http://billing.example.com"',                  # plain http to another machine
    b'bridge = "https://admin:pw@billing.example.com"',        # credentials
    b"bridge = 42",
    b"",
])
def test_a_broken_operator_file_is_ignored(tmp_path: Path, text: bytes, caplog: pytest.LogCaptureFixture) -> None:
    paths = operator_file(tmp_path, text)
    assert operator_defaults(paths.operator_file).bridge == ""


def test_no_operator_file_is_no_default(tmp_path: Path) -> None:
    assert operator_defaults(Paths.under(tmp_path).operator_file) == OperatorDefaults()
    assert operator_defaults(None) == OperatorDefaults()
