"""Broken and hostile files: each gives a clear BookError or a best-effort parse, fast, with bounded memory,
and never leaks local file content into the text."""

from __future__ import annotations

import os
import struct
import sys
import zipfile
from pathlib import Path

import pytest

from reader_app.books import BookError, load_book
from tests.support.epub import Doc, EpubSpec, build_epub, simple_book
from tests.support.parse_probe import needs_proc, probe_parse, timed_load
from tests.support.perf import PARSE_BOUND_S, time_limit

SECRET = "TOP-SECRET-LOCAL-CONTENT-4242"
REPO = Path(__file__).resolve().parents[2]


def _all_text(book) -> str:
    parts = [book.metadata.title, *book.metadata.authors]
    parts += [c.title for c in book.chapters] + [s.text for s in book.sentences()]
    return "\n".join(parts)


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def _good_epub(path: Path) -> Path:
    return simple_book(path, [("One", "<p>The first chapter is here. It is short.</p>"),
                              ("Two", "<p>Another one.</p>")])


# --- not a book at all --------------------------------------------------------------------------------

def test_empty_files(tmp_path):
    for name in ("empty.txt", "empty.epub", "blank.txt"):
        path = tmp_path / name
        path.write_bytes(b"" if name.startswith("empty") else b" \n\n\t \n")
        with pytest.raises(BookError, match="empty"):
            load_book(path)


def test_binary_garbage(tmp_path):
    rng = __import__("random").Random(7)
    garbage = bytes(rng.randrange(256) for _ in range(200_000))
    for name in ("garbage.txt", "garbage.epub", "garbage.bin"):
        path = tmp_path / name
        path.write_bytes(garbage)
        result = timed_load(path)
        assert isinstance(result, BookError), name
        assert "\n" not in str(result)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(BookError, match="not found"):
        load_book(tmp_path / "nope.epub")
    with pytest.raises(BookError, match="folder"):
        load_book(tmp_path)


def test_not_a_zip_named_epub(tmp_path):
    path = tmp_path / "plain.epub"
    path.write_text("Chapter 1\n\nJust text.\n", encoding="utf-8")
    with pytest.raises(BookError, match="not a valid EPUB"):
        load_book(path)


def test_pdf_is_refused_clearly(tmp_path):
    path = tmp_path / "book.txt"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    with pytest.raises(BookError, match="PDF"):
        load_book(path)


# --- broken EPUB structure ------------------------------------------------------------------------------

def test_truncated_zip(tmp_path):
    good = _good_epub(tmp_path / "good.epub").read_bytes()
    for cut in (len(good) // 2, len(good) - 30, 100):
        path = tmp_path / f"cut{cut}.epub"
        path.write_bytes(good[:cut])
        result = timed_load(path)
        assert isinstance(result, BookError)
        assert "damaged" in str(result)


def test_missing_container_uses_the_lone_opf(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>Readable text is here.</p>")], toc=[("A", "a.xhtml")],
        omit=("META-INF/container.xml",),
    ))
    book = load_book(path)
    assert book.sentences()[0].text == "Readable text is here."


def test_missing_container_and_opf(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>Text.</p>")], omit=("META-INF/container.xml", "OEBPS/content.opf"),
    ))
    with pytest.raises(BookError, match="package document"):
        load_book(path)


def test_container_points_to_missing_opf(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>Text.</p>")],
        extra_files={"META-INF/container.xml": b'<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                     b'<rootfiles><rootfile full-path="nowhere/x.opf" media-type="application/oebps-package+xml"/>'
                     b"</rootfiles></container>"},
    ))
    # The real OPF is still found by name: best effort.
    assert load_book(path).sentences()[0].text == "Text."


def test_garbage_opf(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>Text.</p>")], extra_files={"OEBPS/content.opf": b"\x00\x01 not xml <<<"},
    ))
    result = timed_load(path)
    assert isinstance(result, BookError) and "package document" in str(result)


def test_spine_items_that_do_not_exist(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[
            Doc("a.xhtml", "<p>First part is fine.</p>"),
            Doc("gone.xhtml", "<p>Never seen.</p>"),
            Doc("c.xhtml", "<p>Last part is fine.</p>"),
        ],
        toc=[("A", "a.xhtml"), ("Gone", "gone.xhtml"), ("C", "c.xhtml")],
        extra_spine='<itemref idref="no-such-id"/>',
        omit=("OEBPS/gone.xhtml",),
    ))
    book = load_book(path)
    assert [c.title for c in book.chapters] == ["A", "C"]


def test_no_text_at_all(tmp_path):
    path = simple_book(tmp_path / "b.epub", [("Img", '<p><img src="x.png" alt=""/></p>')])
    with pytest.raises(BookError, match="no readable text"):
        load_book(path)


def test_empty_spine(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(docs=[Doc("a.xhtml", "<p>Text.</p>", in_spine=False)]))
    with pytest.raises(BookError, match="spine"):
        load_book(path)


def test_drm_encrypted_book(tmp_path):
    enc = (b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
           b'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
           b'<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
           b'<enc:CipherData><enc:CipherReference URI="OEBPS/ch1.xhtml"/></enc:CipherData>'
           b"</enc:EncryptedData></encryption>")
    path = simple_book(tmp_path / "b.epub", [("One", "<p>x</p>")], extra_files={"META-INF/encryption.xml": enc})
    with pytest.raises(BookError, match="DRM"):
        load_book(path)


# --- XML attacks ----------------------------------------------------------------------------------------

def test_undefined_and_html_entities(tmp_path):
    path = simple_book(tmp_path / "b.epub", [("One", "<p>Caf&eacute;&nbsp;au lait &bogus; &amp; tea&hellip;</p>")])
    text = load_book(path).sentences()[0].text
    assert text == "Café au lait & tea…"


def test_external_entities_are_never_resolved(tmp_path, secret_file):
    uri = secret_file.as_uri()
    prolog = f'<?xml version="1.0"?>\n<!DOCTYPE html [<!ENTITY xxe SYSTEM "{uri}"><!ENTITY % p SYSTEM "{uri}"> %p;]>'
    opf_prolog = f'<?xml version="1.0"?>\n<!DOCTYPE package [<!ENTITY xxe SYSTEM "{uri}">]>'
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<h1>&xxe;</h1><p>Before &xxe; after.</p>", prolog=prolog)],
        toc=[("A &amp; B", "a.xhtml")],
        opf_prolog=opf_prolog, title_xml="Title &xxe;",
    ))
    book = timed_load(path)
    assert not isinstance(book, BookError)
    text = _all_text(book)
    assert SECRET not in text and "Before after." in text
    assert book.metadata.title.startswith("Title")


def test_external_dtd_and_xinclude_ignored(tmp_path, secret_file):
    prolog = f'<?xml version="1.0"?>\n<!DOCTYPE html SYSTEM "{secret_file.as_uri()}">'
    body = (f'<p>Safe text here.</p><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
            f'href="{secret_file.as_uri()}" parse="text"/>')
    path = build_epub(tmp_path / "b.epub", EpubSpec(docs=[Doc("a.xhtml", body, prolog=prolog)]))
    assert SECRET not in _all_text(load_book(path))


def test_billion_laughs(tmp_path):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    prolog = f'<?xml version="1.0"?>\n<!DOCTYPE html [{entities}]>'
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>Start &lol9; end.</p>", prolog=prolog)],
        opf_prolog=f'<?xml version="1.0"?>\n<!DOCTYPE package [{entities}]>', title_xml="T &lol9;",
    ))
    book = timed_load(path)
    assert not isinstance(book, BookError)
    assert "lol" not in _all_text(book)


def test_unterminated_doctype(tmp_path):
    prolog = '<?xml version="1.0"?>\n<!DOCTYPE html [<!ENTITY a "b"'
    path = build_epub(tmp_path / "b.epub", EpubSpec(docs=[Doc("a.xhtml", "<p>Still readable.</p>", prolog=prolog)]))
    assert "Still readable." in _all_text(timed_load(path))


def test_deep_nesting(tmp_path):
    body = "<div>" * 50_000 + "deep text" + "</div>" * 50_000 + "<p>Shallow text is here.</p>"
    path = simple_book(tmp_path / "b.epub", [("Deep", body), ("Fine", "<p>A normal chapter.</p>")])
    book = timed_load(path)  # no RecursionError, no crash: the over-deep document is given up on
    assert not isinstance(book, BookError)
    assert "A normal chapter." in _all_text(book)


# --- ZIP attacks ----------------------------------------------------------------------------------------

def test_zip_bomb_member_is_not_inflated(tmp_path):
    path = _good_epub(tmp_path / "b.epub")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OEBPS/bomb.xhtml", b"\0" * (200 * 1024 * 1024))
    spec_bomb = path.read_bytes()
    assert len(spec_bomb) < 1_000_000
    # Point the spine at the bomb too: it must be skipped, the rest read.
    book = timed_load(path)
    assert not isinstance(book, BookError) and len(book.chapters) == 2


def test_zip_bomb_as_chapter(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>Readable.</p>"), Doc("bomb.xhtml", "<p>x</p>")],
        toc=[("A", "a.xhtml"), ("Bomb", "bomb.xhtml")],
        extra_files={"OEBPS/bomb.xhtml": b"<p>" + b" " * (100 * 1024 * 1024) + b"</p>"},
    ))
    book = timed_load(path)
    assert not isinstance(book, BookError) and [c.title for c in book.chapters] == ["A"]


def _patch_sizes(data: bytes, name: bytes, new_size: int) -> bytes:
    """Make a member's headers lie about its uncompressed size (as a crafted bomb would)."""
    out = bytearray(data)
    pos = out.find(b"PK\x03\x04" + b"\x14\x00")
    while pos != -1:
        name_len = struct.unpack_from("<H", out, pos + 26)[0]
        if out[pos + 30 : pos + 30 + name_len] == name:
            struct.pack_into("<I", out, pos + 22, new_size)
        pos = out.find(b"PK\x03\x04", pos + 4)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", out, pos + 28)[0]
        if out[pos + 46 : pos + 46 + name_len] == name:
            struct.pack_into("<I", out, pos + 24, new_size)
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def test_zip_bomb_with_lying_header(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>Readable.</p>"), Doc("liar.xhtml", "<p>x</p>")],
        toc=[("A", "a.xhtml"), ("Liar", "liar.xhtml")],
        extra_files={"OEBPS/liar.xhtml": b"<p>" + b"a" * (100 * 1024 * 1024) + b"</p>"},
    ))
    path.write_bytes(_patch_sizes(path.read_bytes(), b"OEBPS/liar.xhtml", 2000))
    book = timed_load(path)
    assert not isinstance(book, BookError) and [c.title for c in book.chapters] == ["A"]


def test_path_traversal_names(tmp_path, secret_file):
    outside = tmp_path / "outside"
    outside.mkdir()
    evil = b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>EVIL TEXT</p></body></html>'
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>Good text.</p>")],
        extra_files={"../../evil.xhtml": evil, "/abs/evil.xhtml": evil, "OEBPS/../../evil2.xhtml": evil},
        extra_manifest=(
            '<item id="e1" href="../../evil.xhtml" media-type="application/xhtml+xml"/>'
            f'<item id="e2" href="{secret_file}" media-type="application/xhtml+xml"/>'
            '<item id="e3" href="../../../../../../../../etc/hostname" media-type="application/xhtml+xml"/>'
        ),
        extra_spine='<itemref idref="e1"/><itemref idref="e2"/><itemref idref="e3"/>',
    ))
    before = set(os.listdir(tmp_path))
    book = load_book(path)
    text = _all_text(book)
    assert "EVIL" not in text and SECRET not in text and "Good text." in text
    assert set(os.listdir(tmp_path)) == before  # nothing was extracted anywhere


def test_too_many_members(tmp_path):
    path = _good_epub(tmp_path / "b.epub")
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(10_050):
            zf.writestr(f"junk/{i}", b"")
    with pytest.raises(BookError, match="too many"):
        load_book(path)


# --- size and time, in a fresh process so that peak memory is the parse's own ---------------------------

_probe = probe_parse


@needs_proc
@pytest.mark.slow
@pytest.mark.perf
def test_20mb_single_line_txt(tmp_path):
    words = "lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed do eiusmod tempor; incididunt ut labore "
    path = tmp_path / "huge.txt"
    path.write_text(words * (20 * 1024 * 1024 // len(words)), encoding="utf-8")
    result = _probe(tmp_path, path)
    assert result["seconds"] < time_limit(PARSE_BOUND_S), result
    assert result["peak_mb"] - result["base_mb"] < 500, result


@needs_proc
@pytest.mark.slow
@pytest.mark.perf
def test_20mb_single_line_without_spaces(tmp_path):
    path = tmp_path / "blob.txt"
    path.write_bytes(b"x" * (20 * 1024 * 1024))
    result = _probe(tmp_path, path)
    assert result["seconds"] < time_limit(PARSE_BOUND_S), result
    assert result["peak_mb"] - result["base_mb"] < 500, result


@needs_proc
@pytest.mark.slow
@pytest.mark.perf
def test_zip_bomb_memory(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>Readable.</p>")], toc=[("A", "a.xhtml")],
        extra_files={f"OEBPS/bomb{i}.xhtml": b"\0" * (30 * 1024 * 1024) for i in range(4)},
        extra_manifest="".join(
            f'<item id="b{i}" href="bomb{i}.xhtml" media-type="application/xhtml+xml"/>' for i in range(4)
        ),
        extra_spine="".join(f'<itemref idref="b{i}"/>' for i in range(4)),
    ))
    result = _probe(tmp_path, path)
    assert result["seconds"] < time_limit(PARSE_BOUND_S), result
    assert result["peak_mb"] - result["base_mb"] < 500, result


def test_fuzzed_epubs_give_a_book_or_a_clean_error(tmp_path, caplog):
    """Random damage to the markup and the archive of the sample book: never an unexpected exception."""
    import io
    import random

    sample = REPO / "resources" / "sample_book.epub"
    with zipfile.ZipFile(sample) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    markup = [n for n in members if n.endswith(("xhtml", "opf", "ncx", "xml"))]
    inserts = [b"<", b">", b"&", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"\x00", b"]]>", b"<div>", b"</p>", b"&a;"]
    rng = random.Random(1234)
    path = tmp_path / "fuzz.epub"
    for _ in range(60):
        files = dict(members)
        name = rng.choice(markup)
        data = bytearray(files[name])
        for _ in range(rng.randint(1, 30)):
            if not data:
                break
            pos = rng.randrange(len(data))
            op = rng.random()
            if op < 0.4:
                data[pos] = rng.randrange(256)
            elif op < 0.7:
                del data[pos : pos + rng.randint(1, 50)]
            else:
                data[pos:pos] = rng.choice(inserts)
        files[name] = bytes(data)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as out:
            for member, content in files.items():
                out.writestr(member, content)
        raw = bytearray(buffer.getvalue())
        if rng.random() < 0.3:
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        path.write_bytes(bytes(raw))
        timed_load(path)
    # The loader's safety net logs any exception that is not a deliberate BookError: there must be none.
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_too_much_text_in_total(tmp_path):
    # Members each under the per-member limit and compressible only like text, but too many of them.
    import random

    rng = random.Random(5)
    alphabet = "abcdefghijklmnopqrstuvwxyz     "
    chunk = "".join(rng.choice(alphabet) for _ in range(1024 * 1024)).encode()
    member = b"<html><body><p>" + chunk * 17 + b"</p></body></html>"  # 17 MB, deflates only ~2x
    docs = [Doc(f"c{i}.xhtml", "<p>x</p>") for i in range(4)]
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=docs, toc=[(f"C{i}", f"c{i}.xhtml") for i in range(4)],
        extra_files={f"OEBPS/c{i}.xhtml": member for i in range(4)},
    ))
    result = timed_load(path)
    assert isinstance(result, BookError) and "too large" in str(result)


# --- lesser findings ----------------------------------------------------------------------------------------

def test_a_book_of_only_refused_chapters_says_why(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("bomb.xhtml", "<p>x</p>")], toc=[("Bomb", "bomb.xhtml")],
        extra_files={"OEBPS/bomb.xhtml": b"<p>" + b" " * (100 * 1024 * 1024) + b"</p>"},
    ))
    result = timed_load(path)
    assert isinstance(result, BookError)
    message = str(result)
    assert "spine" not in message
    assert "bomb.xhtml was refused" in message and "100 MB" in message


def test_a_book_of_only_missing_chapters_says_why(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(docs=[Doc("gone.xhtml", "<p>x</p>")], omit=("OEBPS/gone.xhtml",)))
    with pytest.raises(BookError, match="gone.xhtml.* missing"):
        load_book(path)


@pytest.mark.parametrize("media_type", ["application/oebps-package+xml", "application/xhtml+xml"])
def test_the_package_document_in_its_own_spine_is_not_read(tmp_path, media_type):
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>The story itself.</p>")], toc=[("A", "a.xhtml")], title="Title Words",
        extra_manifest=f'<item id="self" href="content.opf" media-type="{media_type}"/>'
                       '<item id="ncx2" href="toc.ncx" media-type="application/xhtml+xml"/>',
        extra_spine='<itemref idref="self"/><itemref idref="ncx2"/>',
    ))
    book = load_book(path)
    assert [s.text for s in book.sentences()] == ["The story itself."]


@pytest.mark.skipif(os.name != "posix" or sys.platform == "darwin", reason="needs a file system that keeps any bytes")
@pytest.mark.parametrize("kind", ["txt", "epub"])
def test_a_file_name_that_is_not_utf8(tmp_path, kind):
    raw_name = os.fsencode(tmp_path) + b"/caf\xe9-\xff." + kind.encode()
    good = tmp_path / f"good.{kind}"
    if kind == "txt":
        good.write_text("Chapter 1\n\nA readable sentence.\n", encoding="utf-8")
    else:
        _good_epub(good)
    os.rename(good, raw_name)
    as_str = os.fsdecode(raw_name)  # what the command line hands over: lone surrogates in a str
    for path in (raw_name, as_str, Path(as_str)):
        book = load_book(path)
        assert book.sentences()[1].text in ("A readable sentence.", "It is short.")
        assert os.fsencode(book.path) == raw_name  # the real file, reopenable
        book.metadata.title.encode("utf-8")  # nothing unencodable in what is shown or stored
        for chapter in book.chapters:
            chapter.title.encode("utf-8")
    broken = os.fsencode(tmp_path) + b"/br\xf6ken." + kind.encode()
    with open(broken, "wb"):
        pass  # empty: a message that names the file
    for path in (broken, os.fsdecode(broken)):
        with pytest.raises(BookError) as info:
            load_book(path)
        message = str(info.value)
        message.encode("utf-8")  # printable on any terminal, storable anywhere
        assert "br\ufffdken" in message
