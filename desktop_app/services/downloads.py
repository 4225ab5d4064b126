"""Save a download so that the final name only ever holds a complete file, and never someone else's.

Bytes go to "<name>.part-<random>" in the target folder (same file system, so the final step is a
rename), are fsynced, then take the first free name: "invoice.pdf", "invoice (1).pdf", ... A file
already there with the same bytes is the same invoice downloaded before: it is reused, not duplicated.
On an error or a cancel the temporary file is removed and the error is raised. A file is only kept
whole: IncompleteDownload when its length is not the announced `total`, or `check` (given the last
1024 bytes) says it did not end as its kind of file must (a PDF's %%EOF).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import DownloadCancelled, IncompleteDownload

Progress = Callable[[int, "int | None"], None]
_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]')
_MAX_TRIES = 1000
TAIL = 1024


def pdf_complete(tail: bytes) -> bool:
    """A PDF ends with %%EOF, which readers look for in its last 1024 bytes."""
    return b"%%EOF" in tail


def safe_filename(name: str, fallback: str) -> str:
    """A plain file name: no folders, no "..", no characters Windows refuses; `fallback` if nothing is left."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    name = name.replace("..", "_")
    if not name or name in {".", ".."}:
        return fallback
    return name[:200]


def _digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


def _candidates(filename: str) -> Iterable[str]:
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem:
        stem, ext = filename, ""
    suffix = f".{ext}" if ext else ""
    yield filename
    for n in range(1, _MAX_TRIES):
        yield f"{stem} ({n}){suffix}"


def _claim(tmp: Path, target: Path) -> bool:
    """Move tmp onto target unless target exists; True if it moved. Never overwrites."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        return False
    except OSError:
        # No hard links here (some network or FAT drives): check-then-rename, the best such a drive allows.
        if target.exists():
            return False
        os.replace(tmp, target)
        return True
    os.unlink(tmp)
    return True


def save_stream(chunks: Iterable[bytes], folder: Path, filename: str, *, total: int | None = None,
                progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                check: Callable[[bytes], bool] | None = None) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    filename = safe_filename(filename, "download")
    tmp = folder / f"{filename}.part-{secrets.token_hex(6)}"
    h = hashlib.sha256()
    done = 0
    tail = b""
    try:
        with open(tmp, "xb") as f:
            if progress:
                progress(0, total)
            for chunk in chunks:
                if cancelled and cancelled():
                    raise DownloadCancelled(f"Download of {filename} cancelled")
                if not chunk:
                    continue
                f.write(chunk)
                h.update(chunk)
                done += len(chunk)
                tail = (tail + chunk)[-TAIL:]
                if total is not None and done > total:
                    raise IncompleteDownload(filename, f"more than the {total} bytes announced")
                if progress:
                    progress(done, total)
            if cancelled and cancelled():
                raise DownloadCancelled(f"Download of {filename} cancelled")
            if total is not None and done != total:
                raise IncompleteDownload(filename, f"{done} of {total} bytes arrived")
            if check is not None and not check(tail):
                raise IncompleteDownload(filename, "it ends before its end")
            f.flush()
            os.fsync(f.fileno())
        digest = h.hexdigest()
        for name in _candidates(filename):
            target = folder / name
            if target.exists():
                with contextlib.suppress(OSError):
                    if target.is_file() and _digest(target) == (done, digest):
                        tmp.unlink()
                        return target
                continue
            if _claim(tmp, target):
                return target
        raise FileExistsError(f"No free file name for {filename} in {folder}")
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
