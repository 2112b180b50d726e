"""Time bounds in tests: each such test is marked `perf`, and its bound scales with READER_APP_PERF_SCALE.

These bounds catch blow-ups (a quadratic parser, a blocked event loop), not small regressions: speed is measured
by the benchmark commands (docs/BENCHMARKS.md). On a slow or shared machine, raise the scale
(READER_APP_PERF_SCALE=3) or leave the tests out (`-m "not perf"`).
"""

from __future__ import annotations

import os


def perf_scale() -> float:
    value = os.environ.get("READER_APP_PERF_SCALE", "1")
    try:
        scale = float(value)
    except ValueError as exc:
        raise ValueError(f"READER_APP_PERF_SCALE must be a number, got {value!r}") from exc
    if not scale >= 1:
        raise ValueError(f"READER_APP_PERF_SCALE must be at least 1, got {value!r}")
    return scale


# A hostile or huge book parses in 1-2.5 s of CPU on these machines (docs/BENCHMARKS.md); a step that went
# quadratic takes minutes. The bound sits far above the first and far below the second: it catches blow-ups,
# never a slower CI machine (one ran a 1.4 s parse in 2.5 s).
PARSE_BOUND_S = 10.0


def time_limit(seconds: float) -> float:
    """The bound a perf test asserts: `seconds` on a quiet machine, times the configured scale."""
    return seconds * perf_scale()
