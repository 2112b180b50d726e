"""Light and dark themes: one palette plus one style sheet for the whole application.

The Fusion style follows the palette everywhere (menus, dialogs, scroll bars), so dark is dark in every window,
not just the text; the style sheet adds spacing and the reading colours.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from reader_app.settings import ThemeName


@dataclass(frozen=True)
class Theme:
    name: ThemeName
    window: str
    base: str  # text and list backgrounds
    alt_base: str
    text: str
    muted: str  # secondary text
    button: str
    accent: str
    highlight: str  # the sentence being heard
    border: str
    paper: str  # the reading page


THEMES = {
    ThemeName.LIGHT: Theme(ThemeName.LIGHT, window="#f3f1ec", base="#ffffff", alt_base="#f7f5f0", text="#22211f",
                           muted="#6b675f", button="#fbfaf7", accent="#2f6db5", highlight="#ffe59a",
                           border="#d9d5cc", paper="#fffdf8"),
    ThemeName.DARK: Theme(ThemeName.DARK, window="#1e1f22", base="#26272b", alt_base="#2c2d31", text="#e6e3dc",
                          muted="#9a968d", button="#303136", accent="#3b78d8", highlight="#5a4a12",
                          border="#3a3b40", paper="#222326"),
}


def theme_named(name: str) -> Theme:
    """The theme of that name; light for a name no theme has."""
    return THEMES[ThemeName(name)] if name in THEMES else THEMES[ThemeName.LIGHT]


def palette_for(theme: Theme) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    colors = {role.Window: theme.window, role.WindowText: theme.text, role.Base: theme.base,
              role.AlternateBase: theme.alt_base, role.Text: theme.text, role.Button: theme.button,
              role.ButtonText: theme.text, role.ToolTipBase: theme.base, role.ToolTipText: theme.text,
              role.Highlight: theme.accent, role.HighlightedText: "#ffffff", role.PlaceholderText: theme.muted,
              role.Link: theme.accent, role.BrightText: "#ff5555", role.Mid: theme.border, role.Dark: theme.border,
              role.Light: theme.button, role.Midlight: theme.alt_base, role.Shadow: "#000000"}
    for r, c in colors.items():
        p.setColor(r, QColor(c))
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor(theme.muted))
    return p


def style_sheet(theme: Theme) -> str:
    t = theme
    return f"""
    QMainWindow, QDialog {{ background: {t.window}; }}
    QToolTip {{ background: {t.base}; color: {t.text}; border: 1px solid {t.border}; padding: 4px; }}
    QListWidget, QTreeWidget {{ background: {t.base}; border: 1px solid {t.border}; border-radius: 6px; }}
    QListWidget#libraryGrid {{ padding: 14px; }}
    QListWidget#libraryGrid::item {{ padding: 8px; border-radius: 8px; color: {t.text}; }}
    QListWidget#libraryGrid::item:hover {{ background: {t.alt_base}; }}
    QListWidget#libraryGrid::item:selected {{ background: {t.alt_base}; color: {t.text};
                                              border: 2px solid {t.accent}; }}
    QDialog QListWidget::item {{ padding: 4px 6px; }}
    QGroupBox {{ font-weight: 600; border: 1px solid {t.border}; border-radius: 8px; margin-top: 14px;
                 padding: 12px 8px 8px 8px; }}
    QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; }}
    QListWidget#chapterList::item {{ padding: 6px 8px; border-radius: 4px; }}
    QListWidget#chapterList::item:selected {{ background: {t.accent}; color: #ffffff; }}
    QTextBrowser#pageView {{ background: {t.paper}; color: {t.text}; border: 1px solid {t.border};
                             border-radius: 6px; padding: 18px 28px; }}
    QFrame#transportBar, QFrame#findBar, QFrame#pregenBar {{ background: {t.alt_base}; border: 1px solid {t.border};
                                                border-radius: 8px; }}
    QLabel#muted {{ color: {t.muted}; }}
    QLabel#bookTitle {{ font-size: 17px; font-weight: 600; color: {t.text}; }}
    QLabel#sectionTitle {{ font-size: 20px; font-weight: 600; color: {t.text}; }}
    QPushButton, QToolButton {{ padding: 5px 10px; }}
    QToolButton#transportButton {{ padding: 4px; border: none; border-radius: 6px; }}
    QToolButton#transportButton:hover {{ background: {t.border}; }}
    QPushButton#playButton {{ background: {t.accent}; color: #ffffff; border: none; border-radius: 18px;
                              font-weight: 600; padding: 6px 16px; }}
    QPushButton#playButton:disabled {{ background: {t.border}; color: {t.muted}; }}
    QPushButton#backToVoice {{ background: {t.accent}; color: #ffffff; border: none; border-radius: 14px;
                               font-weight: 600; padding: 6px 14px; }}
    QProgressBar {{ border: 1px solid {t.border}; border-radius: 4px; background: {t.base}; text-align: center;
                    color: {t.text}; max-height: 14px; }}
    QProgressBar::chunk {{ background: {t.accent}; border-radius: 3px; }}
    """


def apply_theme(app: QApplication, name: str) -> Theme:
    theme = theme_named(name)
    app.setStyle("Fusion")
    app.setPalette(palette_for(theme))
    app.setStyleSheet(style_sheet(theme))
    return theme
