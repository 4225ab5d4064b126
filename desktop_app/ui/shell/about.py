"""About Billing Manager: the version, the billing server in use, and the licences of what ships inside."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QTextBrowser, QVBoxLayout, QWidget

from ...services.about import Component
from ..common import theme

LGPL_NOTE = ("Qt and Qt for Python (PySide6) are used under the GNU Lesser General Public License v3. "
             "Their source code is available from the Qt Project (https://code.qt.io); the Qt libraries sit "
             "as separate files in the app's folder and can be replaced with your own build.")


class AboutDialog(QDialog):
    def __init__(self, version: str, bridge_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Billing Manager")
        layout = QVBoxLayout(self)
        layout.setSpacing(theme.em(self, 0.6))
        top = QHBoxLayout()
        icon = QLabel(self)
        size = theme.em(self, 3)
        icon.setPixmap(theme.icon("app").pixmap(size, size))
        top.addWidget(icon)
        heading = QVBoxLayout()
        self.title_label = QLabel(f"Billing Manager {version}", self)
        self.title_label.setFont(theme.font(self.title_label, 1.4, bold=True))
        heading.addWidget(self.title_label)
        self.bridge_label = QLabel(f"Billing server: {bridge_url}" if bridge_url else "No billing server chosen yet.",
                                   self)
        self.bridge_label.setObjectName("muted")
        self.bridge_label.setWordWrap(True)
        heading.addWidget(self.bridge_label)
        top.addLayout(heading, 1)
        layout.addLayout(top)
        heading_label = QLabel("Licences", self)
        heading_label.setFont(theme.font(heading_label, 1.0, bold=True))
        layout.addWidget(heading_label)
        self.lgpl_label = QLabel(LGPL_NOTE, self)
        self.lgpl_label.setWordWrap(True)
        layout.addWidget(self.lgpl_label)
        self.licences = QTextBrowser(self)
        self.licences.setOpenExternalLinks(True)
        self.licences.setPlainText("Reading…")
        layout.addWidget(self.licences, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(theme.em(self, 30), theme.em(self, 28))

    def show_components(self, components: list[Component]) -> None:
        def table(rows: list[Component]) -> str:
            cells = "".join(f"<tr><td>{escape(c.name)}</td><td>{escape(c.version)}</td><td>{escape(c.licence)}</td></tr>"
                            for c in rows)
            return (f"<table cellpadding='3'><tr><th align='left'>Part</th><th align='left'>Version</th>"
                    f"<th align='left'>Licence</th></tr>{cells}</table>")

        main = [c for c in components if c.main]
        rest = [c for c in components if not c.main]
        extra = f"<p><b>Also inside, brought by the parts above</b></p>{table(rest)}" if rest else ""
        self.licences.setHtml(table(main) + extra)

    def licence_text(self) -> str:
        return "\n".join((self.lgpl_label.text(), self.licences.toPlainText()))
