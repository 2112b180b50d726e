"""Plain-text books (issue 19): the contents page, illustration marks, the closing Gutenberg line and
_italics_ are not read; numbered song verses are not chapters; "CHAPTER I." + "THE BEGINNING." is one
heading; chapter numbers that restart per part are named with the part."""

from __future__ import annotations

from reader_app.books import load_book

PROSE = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of\n"
    "foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of\n"
    "Light, it was the season of Darkness."
)
HEADER = ("The Project Gutenberg EBook of A Test, by Some One\n\nTitle: A Test\n\nAuthor: Some One\n\n"
          "Language: English\n\n*** START OF THIS PROJECT GUTENBERG EBOOK A TEST ***\n\n\n")
FOOTER = ("\n\nTHE END\n\n\n\nEnd of Project Gutenberg's A Test, by Some One\n\n"
          "*** END OF THIS PROJECT GUTENBERG EBOOK A TEST ***\n\nThe licence follows.\n")


def _book(tmp_path, body: str):
    path = tmp_path / "book.txt"
    path.write_text(HEADER + body + FOOTER, encoding="utf-8")
    return load_book(path)


def _all_text(book) -> str:
    return " ".join(s.text for s in book.sentences())


def test_contents_with_page_numbers_is_not_read(tmp_path):
    contents = ("CONTENTS\n\n"
                "CHAPTER I. THE BEGINNING ........ 1\nCHAPTER II. THE MIDDLE ........ 14\n"
                "CHAPTER III. THE END ........ 27\n\n")
    spaced = "The Storm at Sea   3\n\nA Night in Town   9\n\nThe Long Road Home   21\n\n"
    chapters = "".join(f"CHAPTER {n}.\n\n{PROSE}\n\n" for n in ("I", "II", "III"))
    for listing in (contents, spaced):
        book = _book(tmp_path, listing + chapters)
        text = _all_text(book)
        assert "CONTENTS" not in text and "........" not in text and "The Storm at Sea" not in text
        assert [c.title for c in book.chapters] == ["CHAPTER I.", "CHAPTER II.", "CHAPTER III."]


def test_contents_list_of_headings_is_not_read(tmp_path):
    contents = "Contents\n\nCHAPTER I. Down the Rabbit-Hole\nCHAPTER II. The Pool of Tears\nCHAPTER III. A Race\n\n"
    chapters = f"CHAPTER I. Down the Rabbit-Hole\n\n{PROSE}\n\nCHAPTER II. The Pool\n\n{PROSE}\n"
    book = _book(tmp_path, contents + chapters)
    assert "Pool of Tears" not in _all_text(book) and "Contents" not in _all_text(book)


def test_transcriber_marks_are_not_read(tmp_path):
    body = (f"CHAPTER I.\n\n{PROSE}\n\n[Illustration: The coach and\nhorses at the inn]\n\n[Illustration]\n\n"
            "She was _very_ tired, and _quite\nsure_ of it; the file was called my_notes.txt.\n")
    text = _all_text(_book(tmp_path, body))
    assert "Illustration" not in text and "coach and horses" not in text
    assert "She was very tired, and quite sure of it;" in text and "my_notes.txt" in text
    assert "Project Gutenberg" not in text and text.endswith("THE END")


def test_song_verse_numerals_are_not_chapters(tmp_path):
    song = ("He sang:\n\nI.\n\nOh the wind and the rain,\nAnd the long road again,\n\n"
            "II.\n\nOh the sun on the hill,\nAnd the heart standing still.\n\n")
    body = f"CHAPTER I.\n\n{PROSE}\n\n{song}{PROSE}\n\nCHAPTER II.\n\n{PROSE}\n"
    book = _book(tmp_path, body)
    assert [c.title for c in book.chapters] == ["CHAPTER I.", "CHAPTER II."]
    assert "Oh the wind and the rain," in _all_text(book)


def test_numeral_chapters_in_sequence_are_chapters(tmp_path):
    body = "".join(f"{n}.\n\n{PROSE}\n\n" for n in ("I", "II", "III", "IV"))
    assert [c.title for c in _book(tmp_path, body).chapters] == ["I.", "II.", "III.", "IV."]


def test_heading_and_its_name_are_one_heading(tmp_path):
    body = f"CHAPTER I.\n\nTHE BEGINNING.\n\n{PROSE}\n\nCHAPTER II.\nTHE SEQUEL.\n\n{PROSE}\n"
    book = _book(tmp_path, body)
    assert [c.title for c in book.chapters] == ["CHAPTER I. THE BEGINNING", "CHAPTER II. THE SEQUEL"]
    assert [c.sentences[0].text for c in book.chapters] == ["CHAPTER I. THE BEGINNING.", "CHAPTER II. THE SEQUEL."]


def test_chapters_numbered_per_part_are_named_with_the_part(tmp_path):
    body = "".join(f"PART {part}\n\nCHAPTER I\n\n{PROSE}\n\nCHAPTER II\n\n{PROSE}\n\n" for part in ("ONE", "TWO"))
    titles = [c.title for c in _book(tmp_path, body).chapters]
    assert titles == ["PART ONE — CHAPTER I", "PART ONE — CHAPTER II", "PART TWO — CHAPTER I",
                      "PART TWO — CHAPTER II"]


def test_parts_without_restarting_numbers_keep_chapter_names(tmp_path):
    body = (f"PART ONE\n\nCHAPTER I\n\n{PROSE}\n\nCHAPTER II\n\n{PROSE}\n\n"
            f"PART TWO\n\nCHAPTER III\n\n{PROSE}\n")
    assert [c.title for c in _book(tmp_path, body).chapters] == ["CHAPTER I", "CHAPTER II", "CHAPTER III"]
