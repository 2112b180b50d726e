"""The window opens books with the user's parse options and says when the model cannot speak a book's
language (issue 19)."""

from __future__ import annotations

from reader_app.books import CodeListings
from tests.support.epub import simple_book
from tests.support.ui import open_window

LISTING = "<p>Before the code.</p><pre><code>for i in range(3):\n    print(i)\n</code></pre><p>After it.</p>"
HEBREW = "בראשית ברא אלהים את השמים ואת הארץ. והארץ היתה תהו ובהו, וחשך על פני תהום, ורוח אלהים מרחפת על פני המים."


def test_window_parses_with_the_code_listings_setting(qtbot, shared_services, tmp_path):
    shared_services.settings.code_listings = CodeListings.SKIP
    try:
        window = open_window(qtbot, shared_services, simple_book(tmp_path / "c.epub", [("Loops", LISTING)]))
        assert [s.text for s in window.book.sentences()] == ["Before the code.", "After it."]
    finally:
        shared_services.settings.code_listings = CodeListings.SUMMARISE


def test_window_shows_a_language_warning(qtbot, shared_services, tmp_path):
    path = tmp_path / "he.txt"
    path.write_text(f"{HEBREW}\n\n{HEBREW}\n", encoding="utf-8")
    window = open_window(qtbot, shared_services, path)
    assert window.book.warnings
    qtbot.waitUntil(lambda: "Hebrew" in window.transport.status_label.toolTip(), timeout=5_000)
