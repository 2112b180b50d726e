"""Build EPUB files for tests with zipfile, byte by byte, so tests control every (broken) detail."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

CONTAINER_XML = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="{opf}" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


@dataclass
class Doc:
    name: str  # file name relative to the OPF directory
    body: str  # inner HTML of <body>
    title: str = ""
    linear: bool = True
    in_spine: bool = True
    head_extra: str = ""
    prolog: str = ""  # placed before <html>: XML declaration replacement, DOCTYPE, ...
    raw: str | None = None  # the whole file instead of the XHTML wrapper (an SVG page, an OPF...)
    media_type: str = "application/xhtml+xml"


@dataclass
class EpubSpec:
    title: str = "Test Book"
    authors: tuple[str, ...] = ("Test Author",)
    language: str | None = "en"
    docs: list[Doc] = field(default_factory=list)
    # TOC: (title, href relative to the OPF dir, children)
    toc: list[tuple] = field(default_factory=list)
    version: str = "3.0"  # "3.0" writes a nav document (and an NCX); "2.0" only an NCX
    with_ncx: bool = True
    with_nav: bool = True
    cover_png: bytes | None = None
    opf_dir: str = "OEBPS"
    extra_files: dict[str, bytes] = field(default_factory=dict)  # archive path -> bytes
    extra_manifest: str = ""
    extra_spine: str = ""
    opf_prolog: str = '<?xml version="1.0" encoding="UTF-8"?>'
    title_xml: str | None = None  # raw XML for the title element's content (to inject entities)
    extra_metadata: str = ""  # raw XML inside <metadata>, e.g. '<meta property="rendition:layout">...'
    omit: tuple[str, ...] = ()  # archive paths to leave out of the zip (missing files)


def xhtml(doc: Doc) -> str:
    prolog = doc.prolog or '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>'
    return (
        f"{prolog}\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\">"
        f"<head><title>{escape(doc.title)}</title>{doc.head_extra}</head><body>{doc.body}</body></html>"
    )


def _nav_list(entries: list[tuple]) -> str:
    items = []
    for entry in entries:
        title, href, children = (entry + ((),))[:3] if len(entry) == 2 else entry
        sub = f"<ol>{_nav_list(list(children))}</ol>" if children else ""
        items.append(f'<li><a href="{href}">{escape(title)}</a>{sub}</li>')
    return "".join(items)


def _ncx_points(entries: list[tuple], counter: list[int]) -> str:
    out = []
    for entry in entries:
        title, href, children = (entry + ((),))[:3] if len(entry) == 2 else entry
        counter[0] += 1
        n = counter[0]
        out.append(
            f'<navPoint id="np{n}" playOrder="{n}"><navLabel><text>{escape(title)}</text></navLabel>'
            f'<content src="{href}"/>{_ncx_points(list(children), counter)}</navPoint>'
        )
    return "".join(out)


def build_epub(path: Path, spec: EpubSpec) -> Path:
    d = spec.opf_dir
    prefix = f"{d}/" if d else ""
    opf_path = f"{prefix}content.opf"
    manifest = []
    spine = []
    files: dict[str, bytes] = {}
    for i, doc in enumerate(spec.docs):
        item_id = f"doc{i}"
        manifest.append(f'<item id="{item_id}" href="{doc.name}" media-type="{doc.media_type}"/>')
        if doc.in_spine:
            linear = "" if doc.linear else ' linear="no"'
            spine.append(f'<itemref idref="{item_id}"{linear}/>')
        files[prefix + doc.name] = (doc.raw if doc.raw is not None else xhtml(doc)).encode("utf-8")
    if spec.with_nav and spec.version.startswith("3"):
        manifest.append('<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>')
        nav = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
            'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body>'
            f'<nav epub:type="toc" id="toc"><h1>Contents</h1><ol>{_nav_list(spec.toc)}</ol></nav></body></html>'
        )
        files[prefix + "nav.xhtml"] = nav.encode("utf-8")
    toc_attr = ""
    if spec.with_ncx:
        manifest.append('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>')
        toc_attr = ' toc="ncx"'
        ncx = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'  # noqa: E501 - test text
            f'<head><meta name="dtb:uid" content="id"/></head><docTitle><text>{escape(spec.title)}</text></docTitle>'
            f"<navMap>{_ncx_points(spec.toc, [0])}</navMap></ncx>"
        )
        files[prefix + "toc.ncx"] = ncx.encode("utf-8")
    cover_meta = ""
    if spec.cover_png is not None:
        props = ' properties="cover-image"' if spec.version.startswith("3") else ""
        manifest.append(f'<item id="cover-img" href="cover.png" media-type="image/png"{props}/>')
        cover_meta = '<meta name="cover" content="cover-img"/>'
        files[prefix + "cover.png"] = spec.cover_png
    title_xml = spec.title_xml if spec.title_xml is not None else escape(spec.title)
    creators = "".join(f"<dc:creator>{escape(a)}</dc:creator>" for a in spec.authors)
    lang = f"<dc:language>{spec.language}</dc:language>" if spec.language else ""
    opf = (
        f"{spec.opf_prolog}\n"
        f'<package xmlns="http://www.idpf.org/2007/opf" version="{spec.version}" unique-identifier="uid">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">'
        f'<dc:identifier id="uid">urn:uuid:test</dc:identifier><dc:title>{title_xml}</dc:title>{creators}{lang}'
        f"{cover_meta}{spec.extra_metadata}</metadata>"
        f"<manifest>{''.join(manifest)}{spec.extra_manifest}</manifest>"
        f"<spine{toc_attr}>{''.join(spine)}{spec.extra_spine}</spine></package>"
    )
    files[opf_path] = opf.encode("utf-8")
    files["META-INF/container.xml"] = CONTAINER_XML.format(opf=opf_path).encode("utf-8")
    files.update(spec.extra_files)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), b"application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, data in files.items():
            if name not in spec.omit:
                zf.writestr(name, data)
    return path


def simple_book(path: Path, chapters: list[tuple[str, str]], **kwargs: object) -> Path:
    """An EPUB with one document per (title, body-html) chapter and a matching TOC."""
    docs = [Doc(f"ch{i}.xhtml", body, title=title) for i, (title, body) in enumerate(chapters, start=1)]
    toc = [(title, f"ch{i}.xhtml") for i, (title, _) in enumerate(chapters, start=1)]
    return build_epub(path, EpubSpec(docs=docs, toc=toc, **kwargs))  # type: ignore[arg-type]
