"""`reader-app serve` under 1, 4 and 8 concurrent clients: aggregate audio per wall second and first-audio latency.

    .venv/bin/python scripts/bench_serve.py MODEL_DIR [--clients 1,4,8] [--requests 8] [--threads 0]
        [--max-frames 48]

Starts the server in this process on a free loopback port (the fast engine, max batch 8), then for each client
count runs that many clients at once, each streaming `--requests` sentences one after another (PCM). Prints one
JSON line per client count: x_realtime (seconds of audio per wall second, all clients together) and p50/p95 of
the time to the first audio byte of each request.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

TEXT = "The river ran quietly under the old stone bridge while the evening light settled over the fields."


def one_client(host: str, port: int, requests: int, firsts: list[float], audio: list[float]) -> None:
    for i in range(requests):
        connection = http.client.HTTPConnection(host, port, timeout=600)
        started = time.perf_counter()
        connection.request("POST", "/v1/audio/speech",
                           json.dumps({"input": f"{TEXT} {i}.", "response_format": "pcm", "stream": True}),
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        first = None
        size = 0
        while block := response.read1(65536):
            if first is None:
                first = time.perf_counter() - started
            size += len(block)
        connection.close()
        firsts.append(first or 0.0)
        audio.append(size / 2 / 24_000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--clients", default="1,4,8")
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--max-frames", type=int, default=48)
    args = parser.parse_args()

    from reader_app.models.catalog import inspect_model
    from reader_app.server.http_api import serve
    from reader_app.tts.fast import load_fast_engine

    engine = load_fast_engine(args.model, device="cpu", threads=args.threads or None, max_batch=8,
                              max_frames=args.max_frames)
    server = serve(engine, inspect_model(args.model), port=0, max_batch=8)
    host, port = server.server_address[:2]
    one_client(str(host), port, 1, [], [])  # warm-up
    for clients in (int(n) for n in args.clients.split(",")):
        firsts: list[float] = []
        audio: list[float] = []
        threads = [threading.Thread(target=one_client, args=(str(host), port, args.requests, firsts, audio))
                   for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        ordered = sorted(firsts)
        print(json.dumps({"clients": clients, "requests": len(firsts), "audio_s": round(sum(audio), 2),
                          "wall_s": round(wall, 2), "x_realtime": round(sum(audio) / wall, 3),
                          "first_audio_p50_ms": round(ordered[len(ordered) // 2] * 1000),
                          "first_audio_p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
                                                      * 1000),
                          "feed_runs": server.scheduler.runs}), flush=True)
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
