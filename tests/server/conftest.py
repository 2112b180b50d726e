"""One `reader-app serve` per test module, in-process on a free loopback port, over a tiny checkpoint."""

import pytest

from reader_app.models.catalog import inspect_model
from reader_app.server.http_api import serve
from reader_app.tts.fast.config import SamplingSettings

TOKEN = "s3cret"


@pytest.fixture(scope="module")
def server(tiny_custom_voice):
    from reader_app.tts.fast import load_fast_engine

    engine = load_fast_engine(str(tiny_custom_voice), device="cpu", threads=1, max_frames=24, max_batch=4, seed=1,
                              sampling=SamplingSettings.greedy())  # greedy: a take is the same every time
    running = serve(engine, inspect_model(tiny_custom_voice), port=0, token=TOKEN, max_batch=4)
    yield running
    running.stop()
