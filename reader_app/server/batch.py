"""`POST /v1/audio/speech/batch` in vLLM-Omni's shape: `{"items": [...]}` plus shared defaults at the top level
(an item's own fields win), answered with one result per item, base64 audio or that item's error. Every item is
submitted at once, so they share the engine's continuous batch; a bad item fails alone."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np

from reader_app.models.catalog import ModelInfo
from reader_app.server.audio_format import CONTENT_TYPES, encode
from reader_app.server.scheduler import SpeechScheduler
from reader_app.server.speech_request import MAX_BATCH_ITEMS, ApiError, SpeechJob, parse_speech

# The top-level fields an item inherits when it does not set them (vLLM-Omni's BatchSpeechRequest).
SHARED_FIELDS = ("voice", "instructions", "response_format", "speed", "task_type", "language", "ref_audio",
                 "ref_text", "x_vector_only_mode", "max_new_tokens")

Drain = Callable[[int, Any], np.ndarray]  # (job id, its event queue) -> the take's samples, or ApiError


def batch_items(body: Any) -> list[Any]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise ApiError(400, "The batch body is {\"items\": [speech requests...]} (shared fields may sit beside "
                       "it).", "items")
    if len(items) > MAX_BATCH_ITEMS:
        raise ApiError(413, f"At most {MAX_BATCH_ITEMS} items per batch (got {len(items)}).", "batch_too_large")
    shared = {name: body[name] for name in SHARED_FIELDS if body.get(name) is not None}
    return [{**shared, **{k: v for k, v in item.items() if v is not None}} if isinstance(item, dict) else item
            for item in items]


def run_batch(body: Any, model: ModelInfo, scheduler: SpeechScheduler, sample_rate: int,
              drain: Drain, stretch: Callable[[np.ndarray, SpeechJob], np.ndarray]) -> dict[str, Any]:
    items = batch_items(body)
    ref_cache: dict[str, str] = {}  # one temp file per distinct recording, removed when the batch ends
    jobs: list[SpeechJob | ApiError] = []
    for item in items:
        try:
            parsed = parse_speech(item, model, ref_cache)
            if parsed.stream:
                raise ApiError(400, "A batch item cannot stream.", "stream")
            jobs.append(parsed)
        except ApiError as exc:
            jobs.append(exc)
    started = {i: scheduler.submit([job.request]) for i, job in enumerate(jobs) if isinstance(job, SpeechJob)}
    results: list[dict[str, Any]] = []
    try:
        for i, job in enumerate(jobs):
            if isinstance(job, SpeechJob):
                try:
                    samples = stretch(drain(*started[i]), job)
                except ApiError as exc:
                    job = exc
                else:
                    results.append({"index": i, "status": "success", "media_type": CONTENT_TYPES[job.response_format],
                                    "response_format": str(job.response_format),
                                    "duration_s": round(len(samples) / sample_rate, 3),
                                    "audio_data": base64.b64encode(encode(samples, sample_rate,
                                                                          job.response_format)).decode("ascii")})
                    continue
            results.append({"index": i, "status": "error", "error": job.message, "code": job.code})
    finally:
        for job in jobs:
            if isinstance(job, SpeechJob):
                job.discard()
    succeeded = sum(r["status"] == "success" for r in results)
    return {"id": f"batch-{uuid.uuid4().hex}", "results": results, "total": len(results), "succeeded": succeeded,
            "failed": len(results) - succeeded}
