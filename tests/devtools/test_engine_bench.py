"""`reader-app bench` on a tiny checkpoint: it runs stock and fast side by side and writes the contract keys."""

from __future__ import annotations

import json

import pytest


def _codec_copied() -> bool:
    """The fast engine decodes with an fp32 copy of a bf16 codec (CPUs without native bf16 math)."""
    from reader_app.tts.placement import cpu_has_native_bf16

    return not cpu_has_native_bf16()


def test_bench_writes_the_contract_keys(tiny_custom_voice, tmp_path, capsys):
    from reader_app.cli.main import main

    out = tmp_path / "bench.json"
    code = main(["bench", "--size", "tiny", "--model", str(tiny_custom_voice), "--frames", "6",
                 "--batch", "1,2", "--threads", "1", "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    assert result["frames"] == 6 and result["engine_compute"].startswith("cpu/")
    keys = ["stock_ms_per_frame", "stock_talker_ms_per_frame", "ms_per_frame", "first_audio_ms"]
    if _codec_copied():
        keys.append("stock_fp32_codec_ms_per_frame")
    for key in keys:
        assert result[key] > 0, key
    assert result["stock_frames"] == 6  # stock decoded exactly the asked frames, EOS out of play
    assert set(result["batches"]) == {"1", "2"}
    for b, entry in result["batches"].items():
        assert abs(entry["audio_s"] - int(b) * 6 * 0.08) < 1e-6  # every stream gave exactly 6 frames of audio
        assert entry["x_realtime"] > 0 and entry["speedup_vs_stock"] > 0
        assert entry["first_audio_ms"] <= 1000 * entry["wall_s"]
    assert "speedup_vs_stock" in capsys.readouterr().out


def test_bench_can_skip_stock_as_shipped(tiny_custom_voice, tmp_path):
    from reader_app.cli.main import main

    if not _codec_copied():
        pytest.skip("this CPU runs a bf16 codec natively: there is no separate fp32-codec baseline")

    out = tmp_path / "bench.json"
    assert main(["bench", "--model", str(tiny_custom_voice), "--frames", "3", "--batch", "1", "--threads", "1",
                 "--no-shipped-stock", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert "stock_ms_per_frame" not in result  # stock with its bf16 codec was skipped
    assert result["stock_fp32_codec_ms_per_frame"] > 0
    assert result["batches"]["1"]["speedup_vs_stock_fp32_codec"] > 0
