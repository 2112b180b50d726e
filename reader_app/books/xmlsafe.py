"""Defuse XML/XHTML from an untrusted EPUB before any parser sees it.

Every document is decoded, stripped of its DOCTYPE (where entity declarations live: external entities
that would read local files, and expansion bombs such as "billion laughs"), and its named entities are
rewritten as character references (HTML ones like &nbsp; are common in XHTML that declares no DTD);
unknown entities are dropped. Numeric references to what XML cannot hold are repaired: a UTF-16 surrogate
pair written as two references (some converters write emoji so) becomes the character, lone surrogates and
control characters are dropped; libxml2 would otherwise hand lxml bytes that are not UTF-8. The lxml
parser is then configured to resolve nothing and fetch nothing.
"""

from __future__ import annotations

import codecs
import re
from html.entities import html5

from lxml import etree

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}charset\s*=\s*[\"']?([A-Za-z0-9._-]{1,40})", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!DOCTYPE(?:[^\[>]*>|[^\[>]*\[.*?\]\s*>)", re.IGNORECASE | re.DOTALL)
_DOCTYPE_OPEN = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{0,31});")
_XML_PREDEFINED = {"amp", "lt", "gt", "quot", "apos"}
# Runs of numeric character references that may name something XML cannot hold: surrogates (hex D800-DFFF,
# any decimal of 5+ digits), U+FFFE/FFFF, past U+10FFFF, controls below U+0020. Ordinary references such as
# &#8217; or &#xE9; do not match, so common text costs nothing; each match is checked exactly.
_SUSPECT_REF = (
    r"&#(?:[xX]0*(?:[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]|[0-9a-fA-F]{6,}|1?[0-9a-fA-F])"
    r"|0*(?:[0-9]{5,}|[12]?[0-9]|3[01]));"
)
_SUSPECT_REF_RUN = re.compile(f"(?:{_SUSPECT_REF})+")
_ONE_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")  # longer: absurd, dropped
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode_markup(data: bytes) -> str:
    """Decode an (X)HTML/XML document: BOM, then the XML declaration, then a meta charset, then UTF-8."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    head = data[:1024]
    match = _DECL_ENCODING.match(head) or _META_CHARSET.search(head)
    encoding = "utf-8"
    if match:
        try:
            encoding = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            pass
    if encoding.startswith("utf-16") and not data.startswith(b"<\x00") and not data.startswith(b"\x00<"):
        encoding = "utf-8"  # a copied declaration that lies: the bytes are 8-bit
    return data.decode(encoding, errors="replace")


def defuse(text: str) -> str:
    """Remove the XML declaration and DOCTYPE; make every entity reference harmless."""
    text = _XML_DECL.sub("", text, count=1)
    if text.lstrip()[:5].lower() == "<?xml":  # a damaged declaration: lxml refuses str input that has one
        text = text[text.find(">") + 1 :] if ">" in text[:1024] else text.lstrip()[5:]
    opened = _DOCTYPE_OPEN.search(text, 0, min(len(text), 4096))
    if opened is not None:
        match = _DOCTYPE.match(text, opened.start())
        # An unterminated DOCTYPE is junk: drop everything up to the first element after it.
        end = match.end() if match else _first_tag_after(text, opened.end())
        text = text[: opened.start()] + text[end:]
    elif "<!ENTITY" in text[:65536] or "<!entity" in text[:65536]:
        text = re.sub(r"<!ENTITY[^>]*>", "", text, flags=re.IGNORECASE)
    if "&" in text:
        text = _ENTITY.sub(_entity_replacement, text)
        if "&#" in text:
            text = _SUSPECT_REF_RUN.sub(_repair_char_refs, text)
    return text


def _repair_char_refs(match: re.Match[str]) -> str:
    """A run of numeric references: surrogate pairs joined into their character, what XML cannot hold
    dropped, the rest kept as written."""
    refs = [(ref.group(0), int(ref.group(1), 16) if ref.group(1) else int(ref.group(2)))
            for ref in _ONE_REF.finditer(match.group(0))]
    out: list[str] = []
    i = 0
    while i < len(refs):
        written, value = refs[i]
        if 0xD800 <= value <= 0xDBFF and i + 1 < len(refs) and 0xDC00 <= refs[i + 1][1] <= 0xDFFF:
            out.append(chr(0x10000 + ((value - 0xD800) << 10) + (refs[i + 1][1] - 0xDC00)))
            i += 2
            continue
        if _xml_char(value):
            out.append(written)
        i += 1
    return "".join(out)


def _xml_char(value: int) -> bool:
    return (value in (0x9, 0xA, 0xD) or 0x20 <= value <= 0xD7FF or 0xE000 <= value <= 0xFFFD
            or 0x10000 <= value <= 0x10FFFF)


def _first_tag_after(text: str, start: int) -> int:
    match = re.compile(r"<[A-Za-z]").search(text, start)
    return match.start() if match else len(text)


def _entity_replacement(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_PREDEFINED:
        return match.group(0)
    chars = html5.get(name + ";")
    if chars is None:
        return ""  # undefined (or declared in a DOCTYPE we removed): never expanded, never read aloud
    return "".join(f"&#{ord(c)};" for c in chars)


def defused_bytes(data: bytes) -> bytes:
    """The document re-encoded as UTF-8 without declaration or DOCTYPE (for ebooklib's own parser)."""
    return defuse(decode_markup(data)).encode("utf-8")


def safe_xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


def parse_markup(data: bytes) -> etree._Element | None:
    """Parse an XHTML/XML document safely; fall back to the HTML parser for tag soup. None if empty."""
    text = defuse(decode_markup(data)).strip()
    if not text:
        return None
    try:
        root = etree.fromstring(text, safe_xml_parser())
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None or _looks_truncated(root, text):
        html_parser = etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)
        try:
            root = etree.fromstring(text, html_parser)
        except (etree.XMLSyntaxError, ValueError):
            return None
    return root


def _looks_truncated(root: etree._Element, text: str) -> bool:
    # Recover mode silently stops at the first fatal error; if much less text came out than went in,
    # the document was not well-formed XML and the HTML parser will do better.
    got = len("".join(root.itertext()))
    return len(text) > 2000 and got * 4 < len(text) // 3
