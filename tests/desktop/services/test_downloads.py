from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.services import DownloadCancelled, IncompleteDownload, save_stream
from desktop_app.services.downloads import safe_filename

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40


def chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


def test_saves_with_progress(tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    path = save_stream(chunks(PDF), tmp_path, "invoice-1.pdf", total=len(PDF),
                       progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "invoice-1.pdf" and path.read_bytes() == PDF
    assert seen[0] == (0, len(PDF)) and seen[-1] == (len(PDF), len(PDF))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert list(tmp_path.iterdir()) == [path]


def test_creates_the_folder(tmp_path: Path) -> None:
    path = save_stream([PDF], tmp_path / "a" / "b", "x.pdf")
    assert path.read_bytes() == PDF


def test_cancel_leaves_nothing(tmp_path: Path) -> None:
    sent = 0

    def counting() -> Iterator[bytes]:
        nonlocal sent
        for c in chunks(PDF):
            sent += 1
            yield c

    with pytest.raises(DownloadCancelled):
        save_stream(counting(), tmp_path, "invoice-1.pdf", total=len(PDF), cancelled=lambda: sent >= 3)
    assert list(tmp_path.iterdir()) == []


def test_cancel_keeps_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "invoice-1.pdf").write_bytes(b"older")
    with pytest.raises(DownloadCancelled):
        save_stream(chunks(PDF), tmp_path, "invoice-1.pdf", cancelled=lambda: True)
    assert [p.name for p in tmp_path.iterdir()] == ["invoice-1.pdf"]
    assert (tmp_path / "invoice-1.pdf").read_bytes() == b"older"


def test_same_file_again_is_reused(tmp_path: Path) -> None:
    first = save_stream(chunks(PDF), tmp_path, "invoice-1.pdf")
    again = save_stream(chunks(PDF), tmp_path, "invoice-1.pdf")
    assert again == first and [p.name for p in tmp_path.iterdir()] == ["invoice-1.pdf"]


def test_different_file_gets_a_new_name(tmp_path: Path) -> None:
    (tmp_path / "invoice-1.pdf").write_bytes(b"the owner's own file")
    path = save_stream(chunks(PDF), tmp_path, "invoice-1.pdf")
    assert path.name == "invoice-1 (1).pdf" and path.read_bytes() == PDF
    assert (tmp_path / "invoice-1.pdf").read_bytes() == b"the owner's own file"
    assert save_stream([b"third"], tmp_path, "invoice-1.pdf").name == "invoice-1 (2).pdf"
    assert save_stream(chunks(PDF), tmp_path, "invoice-1.pdf").name == "invoice-1 (1).pdf"


def test_same_size_different_bytes_is_not_reused(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"A" * len(PDF))
    assert save_stream([PDF], tmp_path, "a.pdf").name == "a (1).pdf"


def test_error_mid_stream_leaves_no_partial_file(tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield PDF[:1000]
        raise ConnectionError("stream broke")

    with pytest.raises(ConnectionError):
        save_stream(broken(), tmp_path, "invoice-1.pdf", total=len(PDF))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, expected", [
    ("invoice-1.pdf", "invoice-1.pdf"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("..", "fallback.pdf"),
    ("", "fallback.pdf"),
    ("a..b.pdf", "a_b.pdf"),
    ("con:\x00.pdf", "con__.pdf"),
])
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name, "fallback.pdf") == expected


def test_a_hostile_name_stays_in_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    path = save_stream([PDF], folder, "../outside.pdf")
    assert path.parent == folder and not (tmp_path / "outside.pdf").exists()


@pytest.mark.parametrize("chunks, total", [([b"a" * 10, b"b" * 5], 20), ([b"a" * 10, b"b" * 15], 20)])
def test_a_length_other_than_announced_leaves_nothing(tmp_path: Path, chunks: list[bytes], total: int) -> None:
    with pytest.raises(IncompleteDownload):
        save_stream(iter(chunks), tmp_path, "f.bin", total=total)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_check_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(IncompleteDownload):
        save_stream(iter([b"%PDF-1.4 no end"]), tmp_path, "f.pdf", check=lambda tail: tail.endswith(b"%%EOF"))
    assert list(tmp_path.iterdir()) == []
    saved = save_stream(iter([b"%PDF-1.4 ", b"%%EOF"]), tmp_path, "f.pdf", check=lambda tail: tail.endswith(b"%%EOF"))
    assert saved.read_bytes() == b"%PDF-1.4 %%EOF"
