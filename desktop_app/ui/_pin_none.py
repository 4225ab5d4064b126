"""Work around the installed PySide6 6.12 wheels dropping a reference to None on every void call.

The abi3 wheels return None from void methods (setText, processEvents, deleteLater…) without
taking a reference: harmless on Python 3.12+, where None is immortal (PEP 683), but on 3.11 each
call drains one reference and the interpreter aborts with "deallocating None" after a few
thousand calls. Giving None a reference count no run can drain makes it immortal here too.
"""

from __future__ import annotations

import ctypes
import sys


def pin_none() -> None:
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):  # immortal already / debug build layout
        return
    refcount = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is PyObject's first field
    if refcount.value < 1 << 40:
        refcount.value += 1 << 40


pin_none()
