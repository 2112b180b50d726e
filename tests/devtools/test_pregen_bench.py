"""The pregeneration benchmark measures fixed batches and the continuous window on one engine."""

import json

from reader_app.devtools.bench import pregen as bench


def test_the_bench_prints_both_modes_and_the_engine_reference(tiny_custom_voice, capsys):
    assert bench.main([str(tiny_custom_voice), "--sentences", "6", "--batch", "2", "--threads", "1",
                       "--max-frames-per-char", "0.1"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["mode"] for row in rows] == ["engine alone, one batch of 2 equal sentences", "fixed batches",
                                            f"window of {bench.WINDOW_BATCHES} batches"]
    for row in rows[1:]:
        assert row["generated"] == 6 and row["x_realtime"] > 0 and row["first_clip_stored_s"] > 0


def test_the_chapter_mixes_sentence_lengths():
    lengths = sorted(len(s.text) for s in bench.mixed_chapter(12).chapters[0].sentences)
    assert lengths[0] < 40 and lengths[-1] > 200
