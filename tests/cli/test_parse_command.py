"""`reader-app parse`: warnings (a language the model does not speak) and --code-listings (issue 19)."""

from __future__ import annotations

import json

from reader_app.books import CodeListings
from reader_app.cli.main import build_parser
from reader_app.settings import Settings
from tests.support.epub import simple_book

HEBREW = "בראשית ברא אלהים את השמים ואת הארץ. והארץ היתה תהו ובהו, וחשך על פני תהום, ורוח אלהים מרחפת על פני המים."
LISTING = "<p>Before the code.</p><pre><code>for i in range(3):\n    print(i)\n</code></pre><p>After it.</p>"


def _run(argv, capsys):
    args = build_parser().parse_args(argv)
    code = args.handler(args)
    return code, capsys.readouterr()


def test_parse_prints_language_warning(tmp_path, capsys):
    txt = tmp_path / "he.txt"
    txt.write_text(f"{HEBREW}\n\n{HEBREW}\n", encoding="utf-8")
    code, out = _run(["parse", str(txt)], capsys)
    assert code == 0 and "Warning:   This book is in Hebrew" in out.out
    code, out = _run(["parse", str(txt), "--json"], capsys)
    warnings = json.loads(out.out)["warnings"]
    assert code == 0 and len(warnings) == 1 and "Hebrew" in warnings[0]


def _sentences(out: str) -> list[str]:
    return [s["text"] for c in json.loads(out)["chapters"] for s in c["sentences"]]


def test_parse_code_listings_option_and_setting(tmp_path, capsys):
    book = str(simple_book(tmp_path / "c.epub", [("Loops", LISTING)]))
    _, out = _run(["parse", book, "--json"], capsys)
    assert _sentences(out.out) == ["Before the code.", "Code listing, 2 lines.", "After it."]
    _, out = _run(["parse", book, "--json", "--code-listings", "skip"], capsys)
    assert _sentences(out.out) == ["Before the code.", "After it."]
    _, out = _run(["parse", book, "--json", "--code-listings", "read"], capsys)
    assert "print(i)" in " ".join(_sentences(out.out))
    settings = Settings()
    settings.code_listings = CodeListings.SKIP
    settings.save()  # the default comes from the user's settings (the test session's own config folder)
    try:
        _, out = _run(["parse", book, "--json"], capsys)
        assert _sentences(out.out) == ["Before the code.", "After it."]
    finally:
        Settings.path().unlink()
