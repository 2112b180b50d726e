"""EPUB 2 and 3: spine order, TOC titles and boundaries, metadata, cover, what is (not) read aloud."""

from __future__ import annotations

import pytest

from reader_app.books import load_book
from tests.support.epub import Doc, EpubSpec, build_epub, simple_book

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def _texts(book):
    return [[s.text for s in c.sentences] for c in book.chapters]


def test_spine_order_not_manifest_order(tmp_path):
    docs = [Doc("a.xhtml", "<p>Text of A.</p>"), Doc("b.xhtml", "<p>Text of B.</p>")]
    spec = EpubSpec(docs=docs, toc=[("A", "a.xhtml"), ("B", "b.xhtml")])
    path = build_epub(tmp_path / "b.epub", spec)
    # Rewrite the spine in reverse order.
    import zipfile
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    files["OEBPS/content.opf"] = files["OEBPS/content.opf"].replace(
        b'<itemref idref="doc0"/><itemref idref="doc1"/>', b'<itemref idref="doc1"/><itemref idref="doc0"/>'
    )
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in files.items():
            zf.writestr(n, d)
    book = load_book(path)
    assert [c.title for c in book.chapters] == ["B", "A"]


def test_non_linear_items_skipped(tmp_path):
    docs = [Doc("a.xhtml", "<p>Main text.</p>"), Doc("notes.xhtml", "<p>A note body.</p>", linear=False)]
    book = load_book(build_epub(tmp_path / "b.epub", EpubSpec(docs=docs, toc=[("A", "a.xhtml")])))
    assert _texts(book) == [["Main text."]]


@pytest.mark.parametrize("version", ["2.0", "3.0"])
def test_toc_titles_from_nav_or_ncx(tmp_path, version):
    path = simple_book(tmp_path / "b.epub", [("The First", "<p>One.</p>"), ("The Second", "<p>Two.</p>")],
                       version=version)
    assert [c.title for c in load_book(path).chapters] == ["The First", "The Second"]


def test_nav_preferred_and_ncx_used_when_nav_empty(tmp_path):
    docs = [Doc("a.xhtml", "<p>One here.</p>")]
    spec = EpubSpec(docs=docs, toc=[("From TOC", "a.xhtml")], with_nav=False)
    book = load_book(build_epub(tmp_path / "b.epub", spec))
    assert book.chapters[0].title == "From TOC"


def test_several_toc_entries_in_one_file(tmp_path):
    body = ('<h2 id="c1">Chapter 1</h2><p>First text.</p><p>More first.</p>'
            '<h2 id="c2">Chapter 2</h2><p>Second text.</p><div id="c3"><h2>Chapter 3</h2><p>Third.</p></div>')
    spec = EpubSpec(docs=[Doc("all.xhtml", body)],
                    toc=[("One", "all.xhtml#c1"), ("Two", "all.xhtml#c2"), ("Three", "all.xhtml#c3")])
    book = load_book(build_epub(tmp_path / "b.epub", spec))
    assert [c.title for c in book.chapters] == ["One", "Two", "Three"]
    assert _texts(book) == [["Chapter 1", "First text.", "More first."], ["Chapter 2", "Second text."],
                            ["Chapter 3", "Third."]]


def test_chapter_spanning_files_and_front_matter(tmp_path):
    docs = [
        Doc("title.xhtml", "<h1>My Book</h1><p>By Someone.</p>"),
        Doc("c1a.xhtml", "<h1>Chapter 1</h1><p>Start of one.</p>"),
        Doc("c1b.xhtml", "<p>Rest of one.</p>"),  # not in the TOC: continues chapter 1
        Doc("c2.xhtml", "<h1>Chapter 2</h1><p>Two.</p>"),
    ]
    spec = EpubSpec(docs=docs, toc=[("Chapter 1", "c1a.xhtml"), ("Chapter 2", "c2.xhtml")])
    book = load_book(build_epub(tmp_path / "b.epub", spec))
    assert [c.title for c in book.chapters] == ["My Book", "Chapter 1", "Chapter 2"]
    assert _texts(book)[1] == ["Chapter 1", "Start of one.", "Rest of one."]
    assert [s.paragraph_index for s in book.chapters[1].sentences] == [0, 1, 2]


def test_nested_toc_and_entries_at_the_same_place(tmp_path):
    docs = [Doc("p1.xhtml", "<h1>Part One</h1><h2>Chapter 1</h2><p>Text one.</p>"),
            Doc("c2.xhtml", "<h2>Chapter 2</h2><p>Text two.</p>")]
    toc = [("Part One", "p1.xhtml", [("Chapter 1", "p1.xhtml"), ("Chapter 2", "c2.xhtml")])]
    book = load_book(build_epub(tmp_path / "b.epub", EpubSpec(docs=docs, toc=toc)))
    assert [c.title for c in book.chapters] == ["Part One — Chapter 1", "Chapter 2"]


def test_missing_fragment_falls_back_to_file_start(tmp_path):
    spec = EpubSpec(docs=[Doc("a.xhtml", "<p>Text.</p>")], toc=[("A", "a.xhtml#nowhere")])
    assert load_book(build_epub(tmp_path / "b.epub", spec)).chapters[0].title == "A"


def test_no_toc_each_document_is_a_chapter_named_by_heading(tmp_path):
    docs = [Doc("a.xhtml", "<h1>The Storm</h1><p>Rain.</p>", title="ignored"),
            Doc("b.xhtml", "<p>No heading here.</p>", title="Doc Title"),
            Doc("c.xhtml", "<p>Nothing at all to name it.</p>")]
    book = load_book(build_epub(tmp_path / "b.epub", EpubSpec(docs=docs, with_ncx=False, with_nav=False)))
    assert [c.title for c in book.chapters] == ["The Storm", "Doc Title", "Chapter 3"]


def test_metadata_and_epub3_cover(tmp_path):
    path = simple_book(tmp_path / "b.epub", [("One", "<p>Text here.</p>")], title="Pride &amp; Prejudice",
                       authors=("Jane Austen", "Editor Person"), language="en-GB", cover_png=PNG)
    book = load_book(path)
    meta = book.metadata
    assert meta.title == "Pride &amp; Prejudice".replace("&amp;", "&") or meta.title.startswith("Pride")
    assert meta.authors == ("Jane Austen", "Editor Person")
    assert meta.language == "en-GB" and book.tts_language == "English"
    assert meta.cover_image == PNG and meta.cover_media_type == "image/png"


def test_epub2_cover_meta(tmp_path):
    path = simple_book(tmp_path / "b.epub", [("One", "<p>Text here.</p>")], version="2.0", cover_png=PNG)
    assert load_book(path).metadata.cover_image == PNG


def test_language_detected_when_metadata_missing(tmp_path):
    body = "<p>Als Gregor Samsa eines Morgens aus unruhigen Träumen erwachte, fand er sich in seinem Bett.</p>"
    book = load_book(simple_book(tmp_path / "b.epub", [("Eins", body)], language=None))
    assert book.metadata.language == "de" and book.tts_language == "German"


def test_not_read_aloud(tmp_path):
    body = """
    <p>Alpha<a epub:type="noteref" href="#n1">1</a> beta<sup><a href="notes.xhtml#n2">[2]</a></sup> gamma.</p>
    <p>Delta<a class="footnote-ref" href="#n3">*</a> epsilon<span epub:type="pagebreak" id="p7" title="7">7</span> zeta.</p>
    <p>Eta <span class="pagenum">[Pg 12]</span>theta <sup><a href="#n9">9</a></sup>, iota <sup><a href="#n9">9</a></sup>.</p>
    <aside epub:type="footnote" id="n1"><p>FOOTNOTE BODY.</p></aside>
    <section epub:type="endnotes"><p>ENDNOTE BODY.</p></section>
    <div epub:type="rearnote"><p>REARNOTE BODY.</p></div>
    <aside><p>SIDEBAR.</p></aside>
    <div role="doc-endnote"><p>ROLE NOTE.</p></div>
    <script>var SCRIPT = 1;</script><style>p { color: red }</style>
    <p hidden="hidden">HIDDEN ATTR.</p><p style="display: none">HIDDEN STYLE.</p>
    <p><ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp>字<rt>じ</rt></ruby>を読む。</p>
    <p>Iota<br/>kappa &amp; lambda&nbsp;mu.</p>
    <div class="footnotes"><p>CLASS FOOTNOTES.</p></div>
    """  # noqa: E501 - markup of real books
    book = load_book(simple_book(tmp_path / "b.epub", [("One", body)]))
    text = " | ".join(s.text for s in book.sentences())
    assert text == "Alpha beta gamma. | Delta epsilon zeta. | Eta theta, iota. | 漢字を読む。 | Iota kappa & lambda mu."


def test_block_structure_gives_paragraphs(tmp_path):
    body = ("<h1>Title</h1><p>First one. Second one.</p><div>Third one.<p>Fourth one.</p>Fifth one.</div>"
            "<ul><li>Item one.</li><li>Item two.</li></ul><blockquote>A quote.</blockquote>")
    book = load_book(simple_book(tmp_path / "b.epub", [("One", body)]))
    got = [(s.paragraph_index, s.text) for s in book.sentences()]
    assert got == [(0, "Title"), (1, "First one."), (1, "Second one."), (2, "Third one."), (3, "Fourth one."),
                   (4, "Fifth one."), (5, "Item one."), (6, "Item two."), (7, "A quote.")]


def test_nav_document_in_spine_is_not_read(tmp_path):
    spec = EpubSpec(docs=[Doc("a.xhtml", "<p>Body text.</p>")], toc=[("A", "a.xhtml")],
                    extra_spine='<itemref idref="nav"/>')
    assert _texts(load_book(build_epub(tmp_path / "b.epub", spec))) == [["Body text."]]


def test_html_media_type_and_tag_soup(tmp_path):
    soup = b"<html><head><title>x</title></head><body><p>Unclosed para<p>Second &nbsp;para<br>end</body></html>"
    spec = EpubSpec(docs=[Doc("a.xhtml", "<p>First doc.</p>")], toc=[("A", "a.xhtml"), ("S", "soup.html")],
                    extra_files={"OEBPS/soup.html": soup},
                    extra_manifest='<item id="s" href="soup.html" media-type="text/html"/>',
                    extra_spine='<itemref idref="s"/>')
    book = load_book(build_epub(tmp_path / "b.epub", spec))
    assert _texts(book)[1] == ["Unclosed para", "Second para end"]


def test_legacy_encoded_xhtml(tmp_path):
    doc = '<?xml version="1.0" encoding="windows-1252"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>Café crème.</p></body></html>'  # noqa: E501 - test text
    spec = EpubSpec(docs=[Doc("a.xhtml", "<p>x</p>")], toc=[("A", "a.xhtml")],
                    extra_files={"OEBPS/a.xhtml": doc.encode("cp1252")})
    assert _texts(load_book(build_epub(tmp_path / "b.epub", spec))) == [["Café crème."]]


def test_percent_encoded_hrefs(tmp_path):
    spec = EpubSpec(docs=[Doc("my chapter.xhtml", "<p>Spaced name.</p>")], toc=[("Spaced", "my%20chapter.xhtml")])
    path = build_epub(tmp_path / "b.epub", spec)
    import zipfile
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    files["OEBPS/content.opf"] = files["OEBPS/content.opf"].replace(b'href="my chapter.xhtml"',
                                                                    b'href="my%20chapter.xhtml"')
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in files.items():
            zf.writestr(n, d)
    book = load_book(path)
    assert [c.title for c in book.chapters] == ["Spaced"]


def test_html_table_of_contents_page_is_not_read(tmp_path):
    toc_page = "<h1>Contents</h1>" + "".join(f'<p><a href="c{i}.xhtml">Chapter {i}</a></p>' for i in (1, 2, 3))
    docs = [Doc("toc.xhtml", toc_page)] + [Doc(f"c{i}.xhtml", f"<p>Text of chapter {i}.</p>") for i in (1, 2, 3)]
    spec = EpubSpec(docs=docs, toc=[(f"Chapter {i}", f"c{i}.xhtml") for i in (1, 2, 3)], version="2.0")
    book = load_book(build_epub(tmp_path / "b.epub", spec))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2", "Chapter 3"]


def test_cover_meta_naming_a_path(tmp_path):
    spec = EpubSpec(docs=[Doc("a.xhtml", "<p>Text here.</p>")], toc=[("A", "a.xhtml")], version="2.0",
                    extra_files={"OEBPS/images/front.png": PNG},
                    extra_manifest='<item id="img1" href="images/front.png" media-type="image/png"/>')
    path = build_epub(tmp_path / "b.epub", spec)
    import zipfile
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    files["OEBPS/content.opf"] = files["OEBPS/content.opf"].replace(
        b"</metadata>", b'<meta name="cover" content="images/front.png"/></metadata>')
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in files.items():
            zf.writestr(n, d)
    assert load_book(path).metadata.cover_image == PNG


def test_epub_written_by_ebooklib(tmp_path):
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("id123")
    book.set_title("Le Petit Livre")
    book.set_language("fr")
    book.add_author("Auteur Un")
    book.set_cover("cover.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    chapters = []
    for i in range(1, 4):
        c = epub.EpubHtml(title=f"Chapitre {i}", file_name=f"chap_{i}.xhtml", lang="fr")
        c.content = f"<h1>Chapitre {i}</h1><p>M. Dupont est arrivé. Il a dit bonjour au numéro {i}.</p>"
        book.add_item(c)
        chapters.append(c)
    book.toc = [epub.Link(f"chap_{i}.xhtml", f"Chapitre {i}", f"c{i}") for i in range(1, 4)]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    path = tmp_path / "ebooklib.epub"
    epub.write_epub(str(path), book)
    parsed = load_book(path)
    assert parsed.metadata.title == "Le Petit Livre" and parsed.metadata.authors == ("Auteur Un",)
    assert parsed.tts_language == "French" and parsed.metadata.cover_media_type == "image/jpeg"
    assert [c.title for c in parsed.chapters] == ["Chapitre 1", "Chapitre 2", "Chapitre 3"]
    assert [s.text for s in parsed.chapters[0].sentences] == [
        "Chapitre 1", "M. Dupont est arrivé.", "Il a dit bonjour au numéro 1."]


@pytest.mark.parametrize(("dates", "year"), [
    ('<dc:date>2009-05-01</dc:date>', "2009"),
    ('<dc:date>c. 1865</dc:date><dc:date>2011-01-01</dc:date>', "1865"),  # the first date with a year
    ('<dc:date>unknown</dc:date>', None),
    ('', None),
])
def test_publication_year_from_dc_date(tmp_path, dates, year):
    spec = EpubSpec(docs=[Doc("a.xhtml", "<p>Some text here.</p>")], toc=[("A", "a.xhtml")], extra_metadata=dates)
    assert load_book(build_epub(tmp_path / "b.epub", spec)).metadata.year == year
