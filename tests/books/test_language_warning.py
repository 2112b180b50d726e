"""A book in a language the narration models do not speak is read all the same, with a warning (issue 19)."""

from __future__ import annotations

from reader_app.books import load_book
from reader_app.books.language import unsupported_warning
from tests.support.epub import simple_book

HEBREW = ("בראשית ברא אלהים את השמים ואת הארץ. והארץ היתה תהו ובהו, וחשך על פני תהום, ורוח אלהים מרחפת "
          "על פני המים. ויאמר אלהים יהי אור, ויהי אור. וירא אלהים את האור כי טוב.")
ARABIC = ("في البدء خلق الله السماوات والأرض. وكانت الأرض خربة وخالية، وعلى وجه الغمر ظلمة، وروح الله يرف "
          "على وجه المياه. وقال الله ليكن نور فكان نور. ورأى الله النور أنه حسن.")
FRENCH = ("Longtemps, je me suis couché de bonne heure. Parfois, à peine ma bougie éteinte, mes yeux se "
          "fermaient si vite que je n'avais pas le temps de me dire : je m'endors.")


def test_hebrew_text_file_warns(tmp_path):
    path = tmp_path / "genesis.txt"
    path.write_text(f"{HEBREW}\n\n{HEBREW}\n", encoding="utf-8")
    book = load_book(path)
    assert book.metadata.language == "he" and book.tts_language == "auto"
    assert len(book.warnings) == 1 and "Hebrew" in book.warnings[0] and "do not speak" in book.warnings[0]
    assert book.sentence_count() > 0  # read all the same


def test_declared_arabic_epub_warns(tmp_path):
    book = load_book(simple_book(tmp_path / "a.epub", [("الفصل", f"<p>{ARABIC}</p>")], language="ar"))
    assert book.warnings and "Arabic" in book.warnings[0]


def test_english_stamp_on_arabic_text_does_not_hide_it(tmp_path):
    book = load_book(simple_book(tmp_path / "a.epub", [("One", f"<p>{ARABIC}</p>")], language="en"))
    assert book.metadata.language == "ar" and "Arabic" in book.warnings[0]


def test_supported_languages_do_not_warn(tmp_path):
    book = load_book(simple_book(tmp_path / "f.epub", [("Un", f"<p>{FRENCH}</p>")], language="fr-CA"))
    assert book.warnings == () and book.tts_language == "French"
    assert unsupported_warning(None) is None and unsupported_warning("pt-BR") is None
    assert "“xx-Latn”" in (unsupported_warning("xx-Latn") or "")
