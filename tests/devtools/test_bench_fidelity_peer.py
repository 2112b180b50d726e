"""`reader-app bench --weights int8 --fidelity` on a tiny checkpoint, and `--peer` wiring (the peer faked)."""

from __future__ import annotations

import json

import pytest

from reader_app.tts.placement import fbgemm_int8_available


@pytest.mark.skipif(not fbgemm_int8_available(), reason="torch has no fbgemm int8 kernels here")
def test_bench_int8_with_the_fidelity_table(tiny_custom_voice, tmp_path):
    from reader_app.cli.main import main

    out = tmp_path / "bench.json"
    assert main(["bench", "--model", str(tiny_custom_voice), "--frames", "4", "--batch", "1", "--threads", "1",
                 "--no-stock", "--weights", "int8", "--fidelity", "--fidelity-frames", "12",
                 "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["engine_compute"] == "cpu/float32/int8"
    # the codec is timed inside the streamed run: a part of its time, as the codes-only run is of another run
    assert result["codes_ms_per_frame"] > 0 and 0 < result["codec_ms_per_frame"] < result["ms_per_frame"]
    assert result["codec_ms_per_frame"] == result["batches"]["1"]["codec_ms_per_frame"]
    table = result["fidelity"]
    assert result["fidelity_frames"] == 12 and {"fp16_packed", "int8", "q8_0"} <= set(table)
    for row in table.values():
        assert 0 <= row["talker_top1_agreement"] <= 1 and 0 <= row["predictor_top1_agreement"] <= 1
        assert 0 < row["predictor_logit_rel_err_p50"] <= row["predictor_logit_rel_err_p99"]


def test_peer_figures_put_the_peer_beside_our_batch_one_run(monkeypatch, tmp_path):
    from reader_app.devtools.bench import versus_peer
    from reader_app.devtools.peer import gguf_convert, qwentts_cpp

    asked = {}
    monkeypatch.setattr(qwentts_cpp, "peer_available", lambda: None)
    monkeypatch.setattr(gguf_convert, "convert_checkpoint", lambda ck, out: asked.update(ck=ck, out=out) or "files")

    def fake_run(files, text, speaker, frames, threads, keep_codes):
        asked.update(files=files, frames=frames, threads=threads)
        return dict(peer_ms_per_frame=480.0, peer_codes_ms_per_frame=260.0, peer_codec_ms_per_frame=220.0,
                    peer_first_audio_ms=1000.0, peer_frames=frames, peer_weights="q8_0", peer_threads=1)

    monkeypatch.setattr(qwentts_cpp, "run_peer", fake_run)
    figures = versus_peer.peer_figures(versus_peer.Peer.QWENTTS_CPP, tmp_path / "ck", "Hello.", "ryan", 16, 1,
                                       {"ms_per_frame": 240.0})
    assert figures["speedup_vs_peer"] == 2.0 and figures["peer_codec_ms_per_frame"] == 220.0
    assert asked["frames"] == 16 and asked["threads"] == 1 and asked["files"] == "files"
    assert str(asked["out"]).endswith("ck.peer-gguf")


def test_a_missing_peer_is_a_clear_error(monkeypatch, tmp_path):
    from reader_app.devtools.bench import versus_peer
    from reader_app.devtools.peer import qwentts_cpp

    monkeypatch.setattr(qwentts_cpp, "peer_available", lambda: "qwentts_cpp_cpu is not installed")
    with pytest.raises(SystemExit, match="qwentts-cpp: qwentts_cpp_cpu is not installed"):
        versus_peer.peer_figures(versus_peer.Peer.QWENTTS_CPP, tmp_path, "Hi.", None, 4, 1, {})
