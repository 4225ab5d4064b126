"""Text the bridge takes from a request, checked at the edge, before anything reaches the database.

PostgreSQL refuses a NUL in any text (SQLite stores it), a lone surrogate cannot be encoded to UTF-8,
and no Stripe id, list cursor or search the desktop sends holds a control character: any of them
would surface as a 500 deep in a query. Declared with these annotated types, such text answers 400
`invalid_request` instead, with the field named, the same on both databases.

- Paths and queries: `StripeId`, `Cursor`, `SearchText` (the webhook checks what it is about to store
  with the same rule, `printable`).
- Body fields: `text(256)`-style bounded text, `token(...)`, and the sign-in's `Email`, `Password`,
  `DeviceName`, `DeviceProof`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_TOKEN = re.compile(r"[A-Za-z0-9._~-]+")


def printable(value: str) -> str:
    """`value` unchanged, or a ValueError if it holds a control character (NUL among them)."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


Printable = AfterValidator(printable)

StripeId = Annotated[str, StringConstraints(min_length=1, max_length=255), Printable]
"""An id as Stripe writes them (in_..., po_..., evt_..., acct_...), within the columns that keep them."""

Cursor = Annotated[Annotated[str, StringConstraints(max_length=255), Printable] | None, Query()]
"""`starting_after`: the id of the last item of the previous page (blank: the first page)."""

SearchText = Annotated[Annotated[str, StringConstraints(max_length=200), Printable] | None, Query()]
"""Words to look for, as typed into a search box."""


def _encodable(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain a NUL character")
    if _SURROGATE.search(value):
        raise PydanticCustomError("surrogate", "must be valid Unicode text")
    return value


def _one_line(value: str) -> str:
    _encodable(value)
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", "must not contain control characters")
    return value


def _token_characters(value: str) -> str:
    if not _TOKEN.fullmatch(value):
        raise PydanticCustomError("token_characters", "must contain only letters, digits and . _ ~ -")
    return value


def text(max_length: int, *, min_length: int = 1, one_line: bool = True) -> Any:
    """A str of `min_length`..`max_length` characters, no NUL, no lone surrogate and, when `one_line`,
    no control character at all (names, emails, ids; not passwords)."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length),
                     AfterValidator(_one_line if one_line else _encodable)]


def token(max_length: int) -> Any:
    """An opaque URL-safe token (letters, digits, . _ ~ -), as the bridge hands out."""
    return Annotated[str, Field(min_length=1, max_length=max_length), AfterValidator(_token_characters)]


Email = text(320)
Password = text(1024, one_line=False)
DeviceName = text(100)
DeviceProof = token(512)
