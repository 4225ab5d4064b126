"""The owner's browser, for tests: receives the URLs the app opens, reads the hosted page and submits its form."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices


@dataclass
class Form:
    id: str
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, Form] = {}
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("id", ""), a.get("action", ""), a.get("method", "get").lower())
            self.forms[self._form.id] = self._form
        elif self._form is not None and tag in ("input", "textarea") and a.get("name"):
            self._form.fields[a["name"]] = a.get("value", "")
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.fields.setdefault(self._select, "")
        elif self._form is not None and tag == "option" and self._select and not self._form.fields[self._select]:
            self._form.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


class Browser(QObject):
    """Set as the http/https URL handler; `act(url, page_html)` decides what the owner does on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.visited: list[str] = []
        self.pages: list[str] = []
        self.results: list[httpx.Response] = []
        self.plan: list[tuple[str, dict[str, str]]] = []   # (form id, values to fill) to submit, in order
        self.http = httpx.Client(follow_redirects=True, timeout=20)

    def install(self) -> Browser:
        for scheme in ("http", "https"):
            QDesktopServices.setUrlHandler(scheme, self, "handle")
        return self

    def uninstall(self) -> None:
        for scheme in ("http", "https"):
            QDesktopServices.unsetUrlHandler(scheme)
        self.http.close()

    @Slot(QUrl)
    def handle(self, url: QUrl) -> None:
        address = url.toString()
        self.visited.append(address)
        page = self.http.get(address)
        self.pages.append(page.text)
        while self.plan:
            form_id, values = self.plan.pop(0)
            self.results.append(submit(self.http, str(page.url), page.text, form_id, values))


def forms(html: str) -> dict[str, Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def submit(http: httpx.Client, page_url: str, html: str, form_id: str, values: dict[str, str]) -> httpx.Response:
    found = forms(html)
    if form_id not in found:
        raise AssertionError(f"no form {form_id!r} on {page_url} (forms: {sorted(found)})")
    form = found[form_id]
    data = {**form.fields, **values}
    return http.request(form.method.upper(), urljoin(page_url, form.action), data=data)
