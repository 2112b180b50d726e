"""Parse benchmark: `python -m reader_app.devtools.bench.books`.

Generates a 1 MB TXT novel and a 300-chapter EPUB in a temporary folder, parses each (first parse in this
process, then the best of a few warm parses) and prints time and throughput. Target: under 1 s each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

from reader_app.books.loader import load_book

_WORD_TEXT = (
    "the a of and to in was he she it that his her had with for as at on by but not said from they were "
    "all one would there their what so up out if about who them then no could when which time like into "
    "house garden window letter morning evening river road carriage sister brother father mother friend "
    "quietly suddenly never always perhaps certainly little great old young long dark bright cold warm"
)
_WORDS = tuple(_WORD_TEXT.split())


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 22))]
    if rng.random() < 0.3:
        words.insert(rng.randint(1, len(words) - 1), rng.choice(["Mr. Darcy", "Dr. Watson", "St. Paul's"]))
    if rng.random() < 0.3:
        words.insert(rng.randint(1, len(words) - 1), f"{rng.randint(1, 99)}.{rng.randint(0, 9)}")
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    end = rng.choice([".", ".", ".", "?", "!", "..."])
    if rng.random() < 0.25:
        return f"\u201c{text}{end}\u201d she said."
    return text + end


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 7)))


def make_txt(path: Path, size: int = 1_000_000, seed: int = 1) -> Path:
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    chapter = 0
    while total < size:
        if total >= chapter * 40_000:
            chapter += 1
            parts.append(f"CHAPTER {chapter}")
        paragraph = _paragraph(rng)
        parts.append(paragraph)
        total += len(paragraph) + 2
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return path


def make_epub(path: Path, chapters: int = 300, paragraphs: int = 12, seed: int = 2) -> Path:
    rng = random.Random(seed)
    opf_items, spine, nav = [], [], []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        zf.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
            '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        for i in range(1, chapters + 1):
            body = "".join(
                f"<p>{_paragraph(rng)}<a epub:type=\"noteref\" href=\"#n{i}\">{i}</a></p>" for _ in range(paragraphs)
            )
            doc = (
                '<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
                f'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Chapter {i}</title></head><body>'
                f'<section><h1 id="c{i}">Chapter {i}</h1>{body}'
                f'<aside epub:type="footnote" id="n{i}">A note.</aside></section></body></html>'
            )
            zf.writestr(f"OEBPS/ch{i}.xhtml", doc)
            opf_items.append(f'<item id="c{i}" href="ch{i}.xhtml" media-type="application/xhtml+xml"/>')
            spine.append(f'<itemref idref="c{i}"/>')
            nav.append(f'<li><a href="ch{i}.xhtml#c{i}">Chapter {i}</a></li>')
        zf.writestr(
            "OEBPS/nav.xhtml",
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><body>'
            f'<nav epub:type="toc"><ol>{"".join(nav)}</ol></nav></body></html>',
        )
        zf.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="u">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="u">bench</dc:identifier>'
            "<dc:title>Benchmark</dc:title><dc:language>en</dc:language></metadata><manifest>"
            '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
            f'{"".join(opf_items)}</manifest><spine>{"".join(spine)}</spine></package>',
        )
    return path


def _measure(path: Path, repeats: int) -> dict[str, float]:
    start = time.perf_counter()
    book = load_book(path)
    first = time.perf_counter() - start
    warm, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        load_book(path)
        warm.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    text_bytes = sum(len(s.text.encode("utf-8")) for s in book.sentences())
    best = min(warm)
    return {
        "file_mb": path.stat().st_size / 1e6,
        "text_mb": text_bytes / 1e6,
        "chapters": len(book.chapters),
        "sentences": book.sentence_count(),
        "first_s": first,
        "best_s": best,
        "median_s": statistics.median(warm),
        "cpu_s": min(cpu),
        "mb_per_s": text_bytes / 1e6 / best,
        "sentences_per_s": book.sentence_count() / best,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="warm parses per book (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        books = {
            "TXT 1 MB": make_txt(Path(tmp) / "bench.txt"),
            "EPUB 300 chapters": make_epub(Path(tmp) / "bench.epub"),
        }
        print(f"{'book':<18} {'file MB':>7} {'text MB':>7} {'chapters':>8} {'sentences':>9} "
              f"{'first s':>7} {'best s':>6} {'median s':>8} {'cpu s':>6} {'MB/s':>5} {'sent/s':>7}")
        for name, path in books.items():
            r = _measure(path, args.repeats)
            print(f"{name:<18} {r['file_mb']:>7.2f} {r['text_mb']:>7.2f} {r['chapters']:>8} {r['sentences']:>9} "
                  f"{r['first_s']:>7.2f} {r['best_s']:>6.2f} {r['median_s']:>8.2f} {r['cpu_s']:>6.2f} "
                  f"{r['mb_per_s']:>5.2f} {r['sentences_per_s']:>7.0f}")
    print("first = first parse in this process (includes loading the language-detection model for the TXT);")
    print("best/median = warm parses, wall clock; cpu = process CPU time of the best warm parse.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
