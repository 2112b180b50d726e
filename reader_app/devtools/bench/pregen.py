"""Pregeneration throughput: fixed batches against the continuous window, side by side on one loaded engine.

    .venv/bin/python -m reader_app.devtools.bench.pregen MODEL_DIR [--sentences 24] [--batch 8] [--threads 2]
        [--rounds 1] [--max-frames-per-char 0.6]

A chapter of mixed sentence lengths (20 to 240 characters, shuffled with a fixed seed) is pregenerated into a
fresh cache twice per round: with `window_batches=1` (the engine gets batch-size sentences and nothing more
until all of them end: the old behaviour) and with the default window (the engine gets several batch widths at
once and a slot freed by a short sentence takes the next one). The reference is the engine alone on one batch of
`--batch` sentences of equal length (the engine bench's batch figure). Random weights never say EOS, so every
sentence runs to its text's frame budget, as a missed EOS would. Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from reader_app.books.model import Book, BookMetadata, Chapter, Sentence
from reader_app.narration.config import NarrationConfig
from reader_app.narration.pregen import WINDOW_BATCHES, Pregenerator
from reader_app.store import BookCache
from reader_app.tts.engine import SynthesisRequest, VoiceSpec

WORDS = ("the river ran quietly under the old stone bridge while evening light settled over the fields and "
         "somewhere a dog barked twice before the town fell silent again").split()


def mixed_chapter(n: int, seed: int = 0) -> Book:
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        length = 20 + (i * 220) // max(1, n - 1)
        words: list[str] = []
        while len(" ".join(words)) < length:
            words.append(rng.choice(WORDS))
        texts.append(f"{i}: " + " ".join(words).capitalize() + ".")
    rng.shuffle(texts)
    sentences = tuple(Sentence(id=f"c0s{i}", text=t, chapter_index=0, index=i, paragraph_index=i // 3)
                      for i, t in enumerate(texts))
    return Book(path=Path("/bench/mixed.txt"), fingerprint=hashlib.sha256(repr(texts).encode()).hexdigest(),
                format="txt", metadata=BookMetadata(title="Bench", authors=(), language="en"),
                chapters=(Chapter(0, "Chapter 1", sentences),), parser_version=1, tts_language="English")


def pregen_once(engine, book: Book, batch: int, window_batches: int) -> dict:
    config = NarrationConfig(voice=VoiceSpec(), model_id=engine.model_id, engine_settings={}, batch_size=batch,
                             language="English")
    with tempfile.TemporaryDirectory(prefix="bench-pregen-") as folder:
        cache = BookCache(Path(folder) / "book.db")
        cache.sync_sentences(book)
        first: list[float] = []
        started = time.perf_counter()

        def progress(p) -> None:
            if p.generated and not first:
                first.append(time.perf_counter() - started)

        result = Pregenerator(book, cache, config, lambda: engine, window_batches=window_batches).run([0], progress)
        cache.close()
    return {"mode": "fixed batches" if window_batches == 1 else f"window of {window_batches} batches",
            "generated": result.generated, "audio_s": round(result.audio_s, 2), "wall_s": round(result.elapsed_s, 2),
            "x_realtime": round(result.audio_s / result.elapsed_s, 3),
            "first_clip_stored_s": round(first[0], 2) if first else None}


def engine_batch(engine, batch: int, frames: int) -> dict:
    text = "An ordinary sentence of a novel, neither long nor short, read aloud."
    started = time.perf_counter()
    clips = engine.synthesize([SynthesisRequest(text, VoiceSpec(), "english") for _ in range(batch)])
    wall = time.perf_counter() - started
    audio = sum(c.duration_s for c in clips)
    return {"mode": f"engine alone, one batch of {batch} equal sentences", "audio_s": round(audio, 2),
            "wall_s": round(wall, 2), "x_realtime": round(audio / wall, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--sentences", type=int, default=24)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--max-frames-per-char", type=float, default=0.6,
                        help="frame budget per character (random weights run to it)")
    args = parser.parse_args(argv)

    from reader_app.tts.fast import load_fast_engine

    engine = load_fast_engine(args.model, device="cpu", threads=args.threads, max_batch=args.batch, seed=0,
                              max_frames_per_char=args.max_frames_per_char, margin_frames=4)
    book = mixed_chapter(args.sentences)
    print(json.dumps(engine_batch(engine, args.batch, 0)), flush=True)
    for _ in range(args.rounds):
        for window in (1, WINDOW_BATCHES):
            print(json.dumps(pregen_once(engine, book, args.batch, window)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
