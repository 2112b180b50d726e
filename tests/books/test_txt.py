"""Plain-text books: encodings, chapter headings in ten languages, Gutenberg boilerplate, fallbacks."""

from __future__ import annotations

import codecs

import pytest

from reader_app.books import load_book
from reader_app.books.txt_headings import is_heading

ENGLISH = (
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want "
    "of a wife. However little known the feelings or views of such a man may be on his first entering a "
    "neighbourhood, this truth is so well fixed in the minds of the surrounding families."
)


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- encodings ------------------------------------------------------------------------------------------

ENCODED = {
    "cp1252": ("fr", ("Chapitre 1\n\nLe café était très chaud, et l'élève rêvait déjà des vacances à la mer. "
               "Où était-il passé ? Personne ne le savait, même pas sa sœur aînée.\n")),
    "cp1251": ("ru", ("Глава 1\n\nВсе счастливые семьи похожи друг на друга, каждая несчастливая семья "
               "несчастлива по-своему. Всё смешалось в доме Облонских.\n")),
    "gb18030": ("zh", ("第一章\n\n话说天下大势，分久必合，合久必分。周末七国分争，并入于秦。及秦灭之后，楚、汉分争，又并入于汉。"  # noqa: E501 - test text
                "汉朝自高祖斩白蛇而起义，一统天下。\n")),
    "shift_jis": ("ja", ("第一章\n\n吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"
                  "何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。\n")),
    "euc-kr": ("ko", ("제1장\n\n나는 고양이로소이다. 이름은 아직 없다. 어디서 태어났는지 도무지 짐작이 가지 않는다. "
               "어두컴컴하고 축축한 곳에서 울고 있었던 것만은 기억한다.\n")),
}


@pytest.mark.parametrize("encoding", sorted(ENCODED))
def test_legacy_encodings(tmp_path, encoding):
    lang, text = ENCODED[encoding]
    book = load_book(_write(tmp_path, "b.txt", text.encode(encoding)))
    expected = text.split("\n\n", 1)[1].strip()
    body = " ".join(s.text for s in book.chapters[0].sentences[1:])
    assert body.replace(" ", "") == expected.replace(" ", "")  # every character decoded right
    assert book.chapters[0].title == text.split("\n", 1)[0]
    assert book.metadata.language.startswith(lang)


@pytest.mark.parametrize(
    ("prefix", "encoding"),
    [(b"", "utf-8"), (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
     (codecs.BOM_UTF16_BE, "utf-16-be"), (b"", "utf-16-le"), (b"", "utf-16-be")],
)
def test_utf_variants(tmp_path, prefix, encoding):
    text = "Chapter 1\n\n" + ENGLISH + " Café — “quoted”.\n"
    book = load_book(_write(tmp_path, "b.txt", prefix + text.encode(encoding)))
    assert book.chapters[0].title == "Chapter 1"
    assert book.sentences()[-1].text.endswith("Café — “quoted”.")
    assert book.tts_language == "English"


def test_crlf_and_old_mac_line_ends(tmp_path):
    for newline in ("\r\n", "\r"):
        text = newline.join(["Chapter 1", "", ENGLISH, "", "Chapter 2", "", "The end came at last."])
        book = load_book(_write(tmp_path, "b.txt", text.encode()))
        assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]


# --- headings -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "line",
    ["Chapter 12", "CHAPTER XII.", "Chapter One", "CHAPTER THE FIRST", "Chapter 3: The Return", "Part One",
     "PART II", "Book 1", "Prologue", "EPILOGUE", "Kapitel 5", "3. Kapitel", "Chapitre 7", "Capítulo 4",
     "Capitolo 9", "Глава 5", "ГЛАВА V. Встреча", "Часть первая", "第十二章", "第12回", "第三章 风起云涌", "第5話",
     "序章", "제5장", "제 12 화", "# Chapter Two", "## The Storm", "XII", "12", "IV.", "I.", "1. The Beginning"],
)
def test_heading_forms(line):
    assert is_heading(line)


@pytest.mark.parametrize(
    "line",
    ["Part of the problem was that nobody listened to him at all that day.", '"Chapter one?" he asked.',
     "Chapter and verse, she said,", "Mix.", "Did.", "The book was on the table.", "12 men came to dinner.",
     "A" * 100, "In 1999 the war ended."],
)
def test_not_headings(line):
    assert not is_heading(line)


@pytest.mark.parametrize(
    ("headings", "lang"),
    [(["Chapter 1", "Chapter 2"], "en"), (["Kapitel 1", "Kapitel 2"], "de"), (["Chapitre 1", "Chapitre 2"], "fr"),
     (["Capítulo 1", "Capítulo 2"], "es"), (["Capitolo 1", "Capitolo 2"], "it"), (["Глава 1", "Глава 2"], "ru"),
     (["第一章", "第二章"], "zh"), (["第1話", "第2話"], "ja"), (["제1장", "제2장"], "ko"),
     (["Capítulo I", "Capítulo II"], "pt")],
)
def test_chapters_in_each_language(tmp_path, headings, lang):
    body = "Some text here. More text follows."
    text = f"{headings[0]}\n\n{body}\n\n{headings[1]}\n\n{body}\n"
    book = load_book(_write(tmp_path, "b.txt", text.encode()))
    assert [c.title for c in book.chapters] == headings


def test_heading_with_subtitle_line(tmp_path):
    text = f"CHAPTER I.\n\nDown the Rabbit-Hole\n\n{ENGLISH}\n\nCHAPTER II.\nThe Pool of Tears\n\n{ENGLISH}\n"
    book = load_book(_write(tmp_path, "b.txt", text.encode()))
    assert [c.title for c in book.chapters] == ["CHAPTER I. Down the Rabbit-Hole", "CHAPTER II. The Pool of Tears"]
    # The heading is read, as in an audiobook: with its name, as one unit (issue 19: it was two)
    assert book.chapters[0].sentences[0].text == "CHAPTER I. Down the Rabbit-Hole"
    assert book.chapters[0].sentences[1].text.startswith("It is a truth")


def test_markdown_headings(tmp_path):
    text = f"# My Novel\n\n## Chapter 1\n\n{ENGLISH}\n\n## Chapter 2\n\n{ENGLISH}\n"
    book = load_book(_write(tmp_path, "b.txt", text.encode()))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    assert book.chapters[0].sentences[0].text == "# My Novel"  # heading-only "# My Novel" opens chapter 1


def test_table_of_contents_is_not_a_run_of_chapters(tmp_path):
    toc = "\n\n".join(f"Chapter {i}" for i in range(1, 6))
    chapters = "\n\n".join(f"Chapter {i}\n\n{ENGLISH}" for i in range(1, 6))
    text = f"My Book\n\nContents\n\n{toc}\n\n{chapters}\n"
    book = load_book(_write(tmp_path, "b.txt", text.encode()))
    assert [c.title for c in book.chapters] == ["b", *(f"Chapter {i}" for i in range(1, 6))]


def test_cjk_lines_without_blank_lines(tmp_path):
    lines = ["第一章 开始"] + ["他走进了房间，看见桌子上放着一本书。"] * 30 + ["第二章 结束"] + ["她笑了。"] * 30
    book = load_book(_write(tmp_path, "b.txt", "\n".join(lines).encode()))
    assert [c.title for c in book.chapters] == ["第一章 开始", "第二章 结束"]
    assert book.chapters[0].sentences[1].paragraph_index == 1 and book.chapters[0].sentences[2].paragraph_index == 2


# --- no headings ----------------------------------------------------------------------------------------

def test_no_headings_one_chapter_named_after_file(tmp_path):
    book = load_book(_write(tmp_path, "my_short_story.txt", (ENGLISH + "\n\n" + ENGLISH).encode()))
    assert [c.title for c in book.chapters] == ["my short story"]
    assert book.metadata.title == "my short story"


def test_no_headings_long_book_is_cut_into_parts(tmp_path):
    text = "\n\n".join([ENGLISH] * 800)  # ~200 kB, no headings
    book = load_book(_write(tmp_path, "long.txt", text.encode()))
    assert len(book.chapters) > 1
    assert [c.title for c in book.chapters][:2] == ["Part 1", "Part 2"]
    assert sum(len(c.sentences) for c in book.chapters) == 800 * 2


def test_hard_wrapped_paragraphs_are_joined(tmp_path):
    wrapped = "It is a truth universally\nacknowledged, that a single\nman must want a wife.\n\nNext paragraph here."
    book = load_book(_write(tmp_path, "b.txt", wrapped.encode()))
    assert [s.text for s in book.sentences()] == [
        "It is a truth universally acknowledged, that a single man must want a wife.", "Next paragraph here."
    ]
    assert [s.paragraph_index for s in book.sentences()] == [0, 1]


# --- Project Gutenberg ----------------------------------------------------------------------------------

GUTENBERG = """\ufeffThe Project Gutenberg eBook of Alice's Adventures in Wonderland

This ebook is for the use of anyone anywhere in the United States and most other parts of the world at no cost.

Title: Alice's Adventures in Wonderland

Author: Lewis Carroll

Release date: June 27, 2008 [eBook #11]

Language: English

*** START OF THE PROJECT GUTENBERG EBOOK ALICE'S ADVENTURES IN WONDERLAND ***

Produced by Arthur DiBianca and David Widger

CHAPTER I.
Down the Rabbit-Hole


Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do.

CHAPTER II.
The Pool of Tears


"Curiouser and curiouser!" cried Alice.

*** END OF THE PROJECT GUTENBERG EBOOK ALICE'S ADVENTURES IN WONDERLAND ***

Updated editions will replace the previous one. START: FULL LICENSE. THE FULL PROJECT GUTENBERG LICENSE.
Section 1. General Terms of Use and Redistributing Project Gutenberg electronic works.
"""


def test_gutenberg_header_and_license_stripped(tmp_path):
    book = load_book(_write(tmp_path, "pg11.txt", GUTENBERG.encode()))
    assert book.metadata.title == "Alice's Adventures in Wonderland"
    assert book.metadata.authors == ("Lewis Carroll",)
    assert book.metadata.language == "en"
    assert [c.title for c in book.chapters] == ["CHAPTER I. Down the Rabbit-Hole", "CHAPTER II. The Pool of Tears"]
    text = " ".join(s.text for s in book.sentences())
    assert "Gutenberg" not in text and "LICENSE" not in text and "Produced by" not in text
    assert text.endswith('"Curiouser and curiouser!" cried Alice.')


def test_page_markers_removed(tmp_path):
    book = load_book(_write(tmp_path, "b.txt", b"She walked on. [Pg 12] The road was long and dusty."))
    assert "Pg" not in " ".join(s.text for s in book.sentences())


def test_aozora_bunko_ruby_and_notes(tmp_path):
    text = "第一章\n\n吾輩《わがはい》は猫である。｜名前《なまえ》はまだ無い。［＃「無い」に傍点］\n"
    book = load_book(_write(tmp_path, "neko.txt", text.encode("shift_jis")))
    assert [s.text for s in book.chapters[0].sentences[1:]] == ["吾輩は猫である。", "名前はまだ無い。"]
