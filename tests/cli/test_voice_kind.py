"""A voice of the wrong kind for the model is said once, before anything starts, by every command that narrates or
makes voices (exit 2, one line, the one message of voices/compat.py), instead of a run that fails every sentence.
In-process through main() where no model runs, so the checks cost no model load."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader_app.cli.main import main
from reader_app.models.catalog import inspect_model
from reader_app.narration.session import choose_voice
from reader_app.resources import sample_book_path
from reader_app.tts.engine import VoiceKind
from reader_app.voices.compat import VoiceModelMismatch, check_voice_for_model, mismatch
from reader_app.voices.library import get_voice, list_voices

BOOK = str(sample_book_path())
DESIGNED = "Warm Storyteller"  # a bundled designed voice
MESSAGE = (f"voice '{DESIGNED}' (designed) needs a VoiceDesign model; this model is CustomVoice — choose a preset "
           "speaker or open a VoiceDesign model")


def run(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, list[str]]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip()]


def test_the_message_names_the_voice_its_kind_the_model_and_what_to_do() -> None:
    assert mismatch(VoiceKind.DESIGN, "custom_voice", DESIGNED) == MESSAGE
    assert mismatch(VoiceKind.PRESET, "custom_voice", "Ryan") is None
    with pytest.raises(VoiceModelMismatch, match=r"\(cloned\) needs a Base model; this model is VoiceDesign"):
        check_voice_for_model("clone", "voice_design", "Me")


@pytest.mark.parametrize("command", [
    ["play", BOOK, "--output", "null"], ["pregen", BOOK, "--chapters", "1-1"], ["export", BOOK, "--chapters", "1-1"],
])
def test_play_pregen_and_export_refuse_before_narration(command: list[str], tiny_custom_voice: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # export's default output lands here (it must not be written)
    code, lines = run([*command, "--model", str(tiny_custom_voice), "--voice", DESIGNED], capsys)
    assert code == 2 and lines == [f"error: {MESSAGE}"]
    assert list(tmp_path.iterdir()) == []


def test_speak_says_the_same(tiny_custom_voice: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, lines = run(["speak", "--model", str(tiny_custom_voice), "--voice", DESIGNED, "--text", "Hi.",
                       "-o", str(tmp_path / "x.wav")], capsys)
    assert code == 2 and lines == [f"error: {MESSAGE}"]


@pytest.mark.parametrize("argv, says", [
    (["voices", "design", "--model", "{base}", "--description", "calm", "--name", "D"],
     "voice 'D' (designed) needs a VoiceDesign model; this model is Base — pass a VoiceDesign checkpoint folder to "
     "--model"),
    (["voices", "design", "--model", "{vd}", "--description", "calm", "--name", "D", "--clone-model", "{vd}"],
     "voice 'D' (cloned) needs a Base model; this model is VoiceDesign — pass a Base checkpoint folder to "
     "--clone-model"),
    (["voices", "clone", "--model", "{cv}", "--audio", "{wav}", "--name", "C"],
     "voice 'C' (cloned) needs a Base model; this model is CustomVoice"),
    (["voices", "preview", DESIGNED, "--model", "{cv}", "-o", "{out}"], MESSAGE.split(" — ")[0]),
])
def test_voice_commands_need_the_model_kind_they_use(argv: list[str], says: str, tiny_base: Path,
                                                     tiny_voice_design: Path, tiny_custom_voice: Path,
                                                     tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import numpy as np
    import soundfile as sf

    wav = tmp_path / "ref.wav"
    sf.write(wav, (0.3 * np.sin(np.arange(5 * 24_000) / 7)).astype(np.float32), 24_000)
    names = {"base": tiny_base, "vd": tiny_voice_design, "cv": tiny_custom_voice, "wav": wav,
             "out": tmp_path / "out.wav"}
    before = [v.name for v in list_voices()]
    code, lines = run([a.format(**names) for a in argv], capsys)
    assert code == 2 and len(lines) == 1 and says in lines[0], lines
    assert [v.name for v in list_voices()] == before  # nothing saved
    assert not (tmp_path / "out.wav").exists()


def test_a_remembered_voice_that_does_not_fit_falls_back_with_the_reason(tiny_custom_voice: Path) -> None:
    info = inspect_model(tiny_custom_voice)
    choice = choose_voice(info, DESIGNED)
    assert choice.voice.kind == VoiceKind.PRESET and choice.name == info.speakers[0] and choice.problem == MESSAGE
    entry = get_voice("Ryan")
    assert entry is not None and choose_voice(info, "Ryan").problem is None
