"""Text the bridge takes from a path or query, checked at the edge: bounded, and without control characters.

PostgreSQL refuses a NUL in any text (SQLite stores it), and no Stripe id, list cursor or search the
desktop sends holds a control character. Declared with these types, such text answers 400
`invalid_request` before any query runs, the same on both databases. The webhook checks what it is
about to store with the same rule (webhooks.unstorable).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator, StringConstraints


def printable(value: str) -> str:
    """`value` unchanged, or a ValueError if it holds a control character (NUL among them)."""
    if any(char < " " or char == "\x7f" for char in value):
        raise ValueError("must not contain control characters")
    return value


Printable = AfterValidator(printable)

StripeId = Annotated[str, StringConstraints(min_length=1, max_length=255), Printable]
"""An id as Stripe writes them (in_..., po_..., evt_..., acct_...), within the columns that keep them."""

Cursor = Annotated[Annotated[str, StringConstraints(max_length=255), Printable] | None, Query()]
"""`starting_after`: the id of the last item of the previous page (blank: the first page)."""

SearchText = Annotated[Annotated[str, StringConstraints(max_length=200), Printable] | None, Query()]
"""Words to look for, as typed into a search box."""
