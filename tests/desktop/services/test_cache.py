from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.services import Cache, CachedView, Invoice, InvoicePage, PlanOffer, Summary, owner_key
from tests.support import desktop_samples

OWNER = owner_key("http://127.0.0.1:8000", "pro@demo.test")


def view() -> CachedView:
    page = InvoicePage.from_json({"data": [desktop_samples.invoice(n) for n in range(3)], "has_more": True})
    return CachedView(summary=Summary.from_json(desktop_samples.summary()),
                      plans=[PlanOffer.from_json(desktop_samples.STARTER), PlanOffer.from_json(desktop_samples.PRO)],
                      invoices=page.invoices, has_more=True, saved_at=1764000000.5)


def test_round_trip(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.save(OWNER, view())
    assert cache.load(OWNER) == view()
    assert cache.load(owner_key("http://127.0.0.1:8000", "starter@demo.test")) is None


def test_file_name_does_not_reveal_the_email(tmp_path: Path) -> None:
    Cache(tmp_path).save(OWNER, view())
    [path] = (tmp_path / "views").iterdir()
    assert "demo.test" not in path.name and path.suffix == ".json"
    assert json.loads(path.read_text())["version"] == 1


def test_saved_at_is_set_when_missing(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.save(OWNER, CachedView(summary=None))
    loaded = cache.load(OWNER)
    assert loaded is not None and loaded.saved_at > 0 and loaded.summary is None


@pytest.mark.parametrize("content", [
    b"{not json",
    b"\xff\xfe\x00garbage",
    b"[]",
    json.dumps({"version": 0, "saved_at": 1, "summary": None, "plans": [], "invoices": [], "has_more": False}).encode(),
    json.dumps({"version": 1, "saved_at": 1, "summary": {"status": 5}, "plans": [], "invoices": [],
                "has_more": False}).encode(),
    json.dumps({"version": 1, "saved_at": 1, "summary": None, "plans": {}, "invoices": [], "has_more": False}).encode(),
    json.dumps({"version": 1, "saved_at": 1, "summary": None}).encode(),
    json.dumps({"version": 1, "saved_at": 1, "summary": None, "plans": [], "invoices": [], "has_more": False,
                "texts": {"m|2500|usd|en_US": 25}}).encode(),
    json.dumps({"version": 1, "saved_at": 1, "summary": None, "plans": [], "has_more": False,
                "invoices": [{"id": "in_1", "number": None, "status": "draft", "total": 0, "amount_due": 0,
                              "amount_paid": 0, "currency": "usd", "created": 1, "period_start": None,
                              "period_end": None, "hosted_invoice_url": None, "has_pdf": False}]}).encode(),
], ids=["corrupt", "binary", "list", "old-version", "bad-summary", "bad-plans", "missing-keys", "bad-texts",
        "older-invoice-shape"])
def test_unusable_file_is_moved_aside_and_rebuilt(tmp_path: Path, content: bytes) -> None:
    cache = Cache(tmp_path)
    path = cache.path_for(OWNER)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert cache.load(OWNER) is None
    assert not path.exists() and aside(path).read_bytes() == content   # kept for a look, out of the way
    cache.save(OWNER, view())
    assert cache.load(OWNER) == view()


def aside(path: Path) -> Path:
    return path.with_name(path.name + ".unreadable")


def deeply_nested(depth: int = 100_000) -> bytes:
    return b'{"version": 1, "saved_at": 1, "summary": ' + b"[" * depth + b"]" * depth + b"}"


def test_deeply_nested_file_is_moved_aside_not_a_crash(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """msgspec gives up on deep nesting with a RecursionError, not a DecodeError (issue 9 §4)."""
    cache = Cache(tmp_path)
    path = cache.path_for(OWNER)
    path.parent.mkdir(parents=True)
    path.write_bytes(deeply_nested())
    assert cache.load(OWNER) is None
    assert not path.exists() and aside(path).exists()
    assert any("unreadable" in r.getMessage() and str(aside(path)) in r.getMessage() for r in caplog.records)
    cache.save(OWNER, view())
    assert cache.load(OWNER) == view()


def test_a_second_bad_file_replaces_the_first_one_set_aside(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    path = cache.path_for(OWNER)
    path.parent.mkdir(parents=True)
    for content in (b"{first", b"{second"):
        path.write_bytes(content)
        assert cache.load(OWNER) is None
    assert sorted(p.name for p in path.parent.iterdir()) == [aside(path).name]
    assert aside(path).read_bytes() == b"{second"


def test_truncated_file(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.save(OWNER, view())
    path = cache.path_for(OWNER)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert cache.load(OWNER) is None and not path.exists() and aside(path).exists()


def test_save_leaves_no_temporary_files(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    for _ in range(3):
        cache.save(OWNER, view())
    assert len(list((tmp_path / "views").iterdir())) == 1


def test_unwritable_cache_folder_does_not_crash(tmp_path: Path) -> None:
    (tmp_path / "views").write_text("in the way")
    cache = Cache(tmp_path)
    cache.save(OWNER, view())
    assert cache.load(OWNER) is None


def test_invoice_type_survives(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.save(OWNER, view())
    loaded = cache.load(OWNER)
    assert loaded is not None and all(isinstance(i, Invoice) for i in loaded.invoices)


def test_formatted_texts_are_kept_with_the_view(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    texts = {"m|2500|usd|en_US": "$25.00", "d|2027-01-03|en_US": "Jan 3, 2027"}
    cache.save(OWNER, CachedView(summary=None, texts=texts))
    loaded = cache.load(OWNER)
    assert loaded is not None and loaded.texts == texts


def test_a_view_saved_without_texts_loads_with_none(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    path = cache.path_for(OWNER)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 1, "saved_at": 1, "summary": None, "plans": [], "invoices": [],
                                "has_more": False}))
    loaded = cache.load(OWNER)
    assert loaded is not None and loaded.texts == {}
