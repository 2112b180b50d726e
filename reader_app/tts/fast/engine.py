"""FastEngine: the SpeechEngine protocol on our own decoding loop over qwen_tts's modules.

Prompts come from the stock wrapper (prompts.py); decoding runs in `FrameStepper` batches with continuous
batching (batcher.py), CUDA graphs on CUDA (graphs.py); audio streams out through the chunked codec decoder
(codec_stream.py) with the runaway guard and silence trimming (guard.py).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import torch

from reader_app.audio.clip import AudioClip
from reader_app.tts import budget as frame_budgets
from reader_app.tts.engine import (
    SAMPLE_RATE,
    AudioChunk,
    ClipCallback,
    EngineError,
    RequestFeed,
    StopReason,
    StreamEvent,
    SynthesisRequest,
    VoiceKind,
    VoiceSpec,
    take_groups,
    take_seed,
)
from reader_app.tts.fast.batcher import ContinuousBatcher, FrameEvent, Job
from reader_app.tts.fast.codec_state import StatefulCodec
from reader_app.tts.fast.codec_stream import (
    CodecStreamer,
    codec_decoder,
    codec_is_fp32_cpu,
    pack_codec_transformer,
)
from reader_app.tts.fast.config import FastSettings, WeightFormat
from reader_app.tts.fast.guard import LoopDetector
from reader_app.tts.fast.parts import ModelParts
from reader_app.tts.fast.prompts import Prompt, PromptBuilder
from reader_app.tts.fast.sampling import SamplerParams, TalkerLogits
from reader_app.tts.fast.step import FrameStepper
from reader_app.tts.placement import model_load_dtype, resolve_placement, set_threads
from reader_app.tts.sampling_keys import SAMPLING_KEYS
from reader_app.tts.silence import SilenceTrimmer
from reader_app.tts.stream_clips import collect_clips

_AudioStream: TypeAlias = tuple[CodecStreamer, SilenceTrimmer, list[int]]  # a sentence's codec, trimmer, offset

class FastEngine:
    sample_rate = SAMPLE_RATE

    def __init__(self, model_path: str | Path, settings: FastSettings | None = None, **overrides: Any) -> None:
        from reader_app.models.catalog import inspect_model
        from reader_app.tts.fast import memory
        from reader_app.tts.qwen_import import import_qwen_tts

        settings = dataclasses.replace(settings or FastSettings(), **overrides)
        info = inspect_model(model_path)  # clear error for a bad folder before heavy work
        qwen_tts = import_qwen_tts()
        placement = resolve_placement(settings.device, settings.dtype, settings.weights)
        set_threads(settings.threads)
        kwargs: dict[str, Any] = {"dtype": model_load_dtype(placement)}
        if placement.device.type != "cpu":
            kwargs["device_map"] = str(placement.device)
        with memory.transient_copies_returned():  # one copy of each weight at a time (tts/fast/memory.py)
            try:
                wrapper = qwen_tts.Qwen3TTSModel.from_pretrained(str(info.path), **kwargs)
            except Exception as exc:  # one clear message for any loader failure
                raise EngineError(f"Could not load the model in {info.path}: {type(exc).__name__}: {exc}") from exc
            memory.evict_unreferenced_file_pages()  # what the loader converted into copies (the codec, say)
            self._setup(wrapper, settings, info.model_id, owns_model=True)
            self._own_model()

    @classmethod
    def from_wrapper(cls, wrapper: Any, settings: FastSettings | None = None,
                     model_id: str = "unknown") -> FastEngine:
        """Run on an already loaded qwen_tts.Qwen3TTSModel (tests, benchmarks: shares its weights)."""
        engine = cls.__new__(cls)
        settings = settings or FastSettings()
        set_threads(settings.threads)
        engine._setup(wrapper, settings, model_id)
        return engine

    def _setup(self, wrapper: Any, settings: FastSettings, model_id: str, owns_model: bool = False) -> None:
        self.wrapper = wrapper
        self.fast_settings = settings
        self._model_id = model_id
        self.placement = resolve_placement(settings.device, settings.dtype, settings.weights)
        self.kind = wrapper.model.tts_model_type
        self.parts = ModelParts(wrapper.model, self.placement, evict_sources=owns_model)
        self.prompts = PromptBuilder(wrapper)
        self.codec = codec_decoder(wrapper.model.speech_tokenizer.model.decoder, in_place=owns_model)
        packed = self.placement.weights in (WeightFormat.FP16_PACKED, WeightFormat.INT8)
        if owns_model and packed:
            pack_codec_transformer(self.codec)  # the stock model is ours: its codec may change form
        self.streaming_codec = StatefulCodec(self.codec, fp16_taps=packed and codec_is_fp32_cpu(self.codec),
                                             share_weights=owns_model)
        overrides = {k: v for k, v in dataclasses.asdict(settings.sampling).items() if v is not None}
        overrides = {("subtalker_dosample" if k == "subtalker_do_sample" else k): v for k, v in overrides.items()}
        self._gen_kwargs = overrides
        merged = wrapper._merge_generate_kwargs(**overrides)  # upstream's own merge with checkpoint defaults
        self._sampling = {k: merged[k] for k in SAMPLING_KEYS}
        self._steppers: dict[int, tuple[FrameStepper, Callable[[int], None], TalkerLogits]] = {}
        self._lock = threading.Lock()
        self.use_graphs = settings.cuda_graphs and self.placement.device.type == "cuda"

    def _own_model(self) -> None:
        """This engine loaded its model for itself: keep one copy of each weight (tts/fast/memory.py), and let
        the stock tokenizer decode with the codec this engine streams with (an fp32 copy where it made one)."""
        from reader_app.tts.fast import memory

        tokenizer = self.wrapper.model.speech_tokenizer.model
        tokenizer.decoder = self.codec
        memory.release_stock_decoders(self.wrapper.model, self.parts)
        memory.evict_unreferenced_file_pages()
        memory.return_freed_memory()

    # -- SpeechEngine -----------------------------------------------------------------------------------
    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def settings(self) -> dict:
        audio = self.fast_settings.audio_settings()  # every field that changes the audio, none that does not
        audio.pop("sampling")  # the merged sampling (model defaults + overrides) is what actually runs
        return {"engine": "fast", **self._sampling, "compute": self.placement.label, **audio}

    def synthesize(self, requests: Sequence[SynthesisRequest], *, cancel: threading.Event | None = None,
                   on_clip: ClipCallback | None = None) -> list[AudioClip]:
        """Whole clips, from the stream; `cancel` stops the decoding between chunks."""
        return collect_clips(self.synthesize_stream(requests), SAMPLE_RATE, cancel, on_clip)

    # -- streaming ------------------------------------------------------------------------------------------
    def synthesize_stream(self, requests: Sequence[SynthesisRequest], *, max_frames: int | None = None,
                          suppress_eos: bool = False) -> Generator[StreamEvent, None, None]:
        """Audio of each request in chunks as it is decoded; requests interleave, each ends with is_last.

        max_frames caps every request (instead of its text budget); suppress_eos decodes exactly that many
        frames (benchmarks). The silence guard and trimming follow the engine settings.
        """
        with self._lock:
            for group in take_groups(requests):  # each take draws with its own seed (docs/engine.md "Takes")
                part = [requests[i] for i in group]
                for ev in self._stream(part, max_frames, suppress_eos):
                    yield StreamEvent(group[ev.index], ev.chunk, ev.is_last, ev.stop_reason)

    def _stream(self, requests: Sequence[SynthesisRequest], max_frames: int | None,
                suppress_eos: bool) -> Generator[StreamEvent, None, None]:
        """One batch of requests of the same take (the lock held)."""
        prompts = [self._prompt(r) for r in requests]
        streams = {i: self._audio_stream(pr) for i, pr in enumerate(prompts)}
        batcher = self._batcher(len(requests), suppress_eos, requests[0].take)
        yield from self._audio(batcher, batcher.run(self._jobs(requests, prompts, max_frames, suppress_eos)),
                               streams)

    def synthesize_feed(self, feed: RequestFeed) -> Generator[StreamEvent, None, None]:
        """The continuous feed: decodes what `feed` hands over, taking more the moment a slot frees, until it
        has nothing more and nothing is in flight. Events carry the feed's keys as their index. A request whose
        prompt cannot be built is handed back with feed.fail; the others go on. First takes only (take 0)."""
        streams: dict[int, _AudioStream] = {}

        def more(n: int) -> list[Job]:
            jobs = []
            for key, request in feed.take(n):
                try:
                    prompt = self._prompt(request)
                except Exception as exc:  # noqa: BLE001 - one bad request must not end everyone's batch
                    feed.fail(key, exc)
                    continue
                streams[key] = self._audio_stream(prompt)
                jobs.append(self._job(key, request, prompt, None, False))
            return jobs

        with self._lock:
            batcher = self._batcher(self.fast_settings.max_batch, False)
            yield from self._audio(batcher, batcher.run([], more=more, stops=feed.stops), streams)

    def _audio_stream(self, prompt: Prompt) -> _AudioStream:
        s = self.fast_settings
        ctx = prompt.ref_codes.cpu().numpy() if prompt.ref_codes is not None else None
        streamer = CodecStreamer(self.streaming_codec, s.first_chunk_frames, s.chunk_frames,
                                 s.left_context_frames, ctx)
        return streamer, SilenceTrimmer(SAMPLE_RATE, s.silence_db, enabled=s.trim_silence), [0]

    def _audio(self, batcher: ContinuousBatcher, frames: Iterator[FrameEvent],
               streams: dict[int, _AudioStream]) -> Generator[StreamEvent, None, None]:
        """Frames -> trimmed audio chunks, sentence by sentence (each one's streamer, trimmer and offset)."""
        for ev in frames:
            streamer, trimmer, written = streams[ev.index]
            audio = streamer.push(ev.frames) if len(ev.frames) else None
            if ev.done is not None:
                tail = streamer.flush()
                audio = tail if audio is None else np.concatenate([audio, tail])
            out = trimmer.push(audio) if audio is not None else np.zeros(0, np.float32)
            if ev.done is None:
                self._silence_check(batcher, ev.index, trimmer)
                if len(out):
                    yield self._event(ev.index, out, written, False)
            else:
                del streams[ev.index]
                out = np.concatenate([out, trimmer.finish()])
                yield self._event(ev.index, out, written, True, ev.done)

    def generate_codes(self, requests: Sequence[SynthesisRequest], *, max_frames: int | None = None,
                       suppress_eos: bool = False) -> list[np.ndarray]:
        """Codes (frames, 16) per request without the codec: parity tests and diagnostics."""
        out: dict[int, list[np.ndarray]] = {i: [] for i in range(len(requests))}
        with self._lock:
            for group in take_groups(requests):
                part = [requests[i] for i in group]
                prompts = [self._prompt(r) for r in part]
                batcher = self._batcher(len(part), suppress_eos, part[0].take)
                for ev in batcher.run(self._jobs(part, prompts, max_frames, suppress_eos)):
                    out[group[ev.index]].append(ev.frames)
        return [np.concatenate(out[i]) if out[i] else np.zeros((0, 16), np.int64) for i in range(len(requests))]

    def build_prompt(self, request: SynthesisRequest) -> Prompt:
        """The talker prompt of a request (diagnostics: reader_app.devtools.bench.fidelity)."""
        return self._prompt(request)

    def stepper(self, batch: int) -> tuple[FrameStepper, Callable[[int], None], TalkerLogits]:
        """This engine's stepper of `batch` slots, its step runner and its logits masks (diagnostics)."""
        return self._stepper(batch)

    # -- internals ------------------------------------------------------------------------------------------
    def _prompt(self, request: SynthesisRequest) -> Prompt:
        voice = request.voice
        if voice.kind == VoiceKind.CLONE and voice.prompt_path and voice.voice_id not in self.prompts._clone_items:
            self._load_stored_clone_prompt(voice)
        return self.prompts.build(request, self._gen_kwargs)

    def _load_stored_clone_prompt(self, voice: VoiceSpec) -> None:
        from reader_app.tts import clone_prompt

        if voice.prompt_path and Path(voice.prompt_path).expanduser().is_file():
            self.prompts._clone_items[voice.voice_id] = clone_prompt.load_clone_prompt(
                voice.prompt_path, hidden_size=int(self.wrapper.model.config.talker_config.hidden_size))

    def _jobs(self, requests: Sequence[SynthesisRequest], prompts: list[Prompt], max_frames: int | None,
              suppress_eos: bool) -> list[Job]:
        return [self._job(i, req, pr, max_frames, suppress_eos)
                for i, (req, pr) in enumerate(zip(requests, prompts, strict=True))]

    def _job(self, index: int, request: SynthesisRequest, prompt: Prompt, max_frames: int | None,
             suppress_eos: bool) -> Job:
        s = self.fast_settings
        budget = max_frames if max_frames is not None else frame_budgets.frame_budget(
            request.text, s.max_frames_per_char, s.margin_frames, cap=s.max_frames, language=request.language)
        if request.max_frames is not None:
            budget = max(1, min(budget, request.max_frames))
        return Job(index=index, prompt=prompt, budget=budget, loop=LoopDetector(0 if suppress_eos else
                                                                                s.loop_window_frames))

    def _batcher(self, n_requests: int, suppress_eos: bool, take: int = 0) -> ContinuousBatcher:
        s = self.fast_settings
        seed = take_seed(s.seed, take)
        batch = max(1, min(s.max_batch, n_requests))
        stepper, runner, logits = self._stepper(batch)
        logits.allow_eos(not suppress_eos)
        if seed is not None and stepper.generator is not None:
            stepper.generator.manual_seed(seed)
        elif seed is not None and stepper.device.type == "cuda":
            with torch.cuda.device(stepper.device):  # graphs draw from this device's default generator
                torch.cuda.manual_seed(seed)
        sync = s.sync_every if stepper.device.type == "cuda" else 1
        bucket = 64 if self.use_graphs else 1  # graphs are captured per KV-length bucket
        return ContinuousBatcher(stepper, sync_every=sync, step_runner=runner, kv_bucket=bucket,
                                 solo_frames=s.first_chunk_frames)

    def _stepper(self, batch: int) -> tuple[FrameStepper, Callable[[int], None], TalkerLogits]:
        hit = self._steppers.get(batch)
        if hit is not None:
            return hit
        if len(self._steppers) >= 2:  # keep memory bounded: drop the oldest batch size
            self._steppers.pop(next(iter(self._steppers)))
        sm, p = self._sampling, self.parts
        talker = SamplerParams(bool(sm["do_sample"]), float(sm["temperature"]), int(sm["top_k"]),
                               float(sm["top_p"]), float(sm["repetition_penalty"]))
        pred = SamplerParams(bool(sm["subtalker_dosample"]), float(sm["subtalker_temperature"]),
                             int(sm["subtalker_top_k"]), float(sm["subtalker_top_p"]))
        cfg = self.wrapper.model.config.talker_config
        suppress = [i for i in range(cfg.vocab_size - 1024, cfg.vocab_size) if i != p.eos_id]  # as upstream
        logits = TalkerLogits(p.talker_vocab, suppress, p.eos_id, 2, self.placement.device)
        generator = None
        if not self.use_graphs:
            generator = torch.Generator(device=self.placement.device)
        # The talker cache grows (doubling) as sentences need it. Off CUDA it starts small, sized to what is
        # admitted (0.6B in fp32: 230 KB per position and slot); with graphs each growth is a recapture.
        start_len = 256 if self.use_graphs else 64
        stepper = FrameStepper(p, batch, talker, pred, logits, generator, max_len=start_len)
        runner: Callable[[int], None] = stepper.step
        if self.use_graphs:
            from reader_app.tts.fast.graphs import GraphStepRunner

            runner = GraphStepRunner(stepper)
        self._steppers[batch] = (stepper, runner, logits)
        return self._steppers[batch]

    def _silence_check(self, batcher: ContinuousBatcher, index: int, trimmer: SilenceTrimmer) -> None:
        limit = self.fast_settings.max_silence_s
        if limit <= 0 or not trimmer.enabled:
            return
        lead = (trimmer.leading_trimmed / SAMPLE_RATE) if not trimmer.started else 0.0
        if trimmer.silence_run_s > limit or lead > 2 * limit:
            batcher.stop(index, StopReason.SILENCE)

    @staticmethod
    def _event(index: int, samples: np.ndarray, written: list[int], last: bool,
               reason: StopReason | None = None) -> StreamEvent:
        chunk = AudioChunk(np.asarray(samples, np.float32), SAMPLE_RATE, written[0])
        written[0] += len(samples)
        return StreamEvent(index, chunk, last, reason)


def load_fast_engine(model_path: str | Path, device: str = "auto", dtype: str = "auto",
                     threads: int | None = None, **kwargs: Any) -> FastEngine:
    """Factory for the app: FastEngine for the checkpoint in model_path (imports torch and qwen_tts)."""
    return FastEngine(model_path, FastSettings(device=device, dtype=dtype, threads=threads, **kwargs))
