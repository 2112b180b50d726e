"""The narrator's shared state: every field its controls and its two threads share, declared once, and the two
ways any of them reports (`_set_state`, `_report_error`).

`Narrator` (narrator.py: the controls and the player's listener) is this base plus the bodies of its two threads,
`GenerationWorker` (generation.py) and `Feeder` (feeder.py); they are one object, so they share one lock and
`Narrator.__init__` sets every field declared here. The fields from `_cond` on (the plan included) are read and
changed only with `_cond` held. `_set_state` is the one place the state changes; no listener is called with
`_cond` held. Lock order: state lock -> `_cond` -> the player's lock (the player calls us outside its lock).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from reader_app.audio.clip import AudioClip
from reader_app.audio.player import Player
from reader_app.books.model import Sentence
from reader_app.narration.boundary import ChapterStop
from reader_app.narration.claims import ClipClaims
from reader_app.narration.config import (
    ClipCache,
    EngineProvider,
    NarrationConfig,
    NarrationListener,
    NarrationState,
)
from reader_app.narration.plan import NarrationPlan, PlayerItem
from reader_app.narration.scheduler import Scheduler
from reader_app.store.clip_key import ClipKey

log = logging.getLogger(__name__)


class NarratorBase:
    """What Narrator.__init__ sets (and says what each field is for); the fields from `_cond` on sit behind it."""

    cache: ClipCache
    claims: ClipClaims
    config: NarrationConfig
    listener: NarrationListener
    engine_provider: EngineProvider | None
    sentences: list[Sentence]
    player: Player[PlayerItem]
    scheduler: Scheduler
    engine_calls: int
    _cancel: threading.Event
    _state_lock: threading.RLock
    _cond: threading.Condition
    _plan: NarrationPlan
    _epoch: int
    _feed_gen: int
    _live_index: int | None
    _cursor: int
    _next_feed: int
    _state: NarrationState
    _in_flight: set[str]
    _elsewhere: dict[str, ClipKey]
    _memory: dict[str, AudioClip]
    _store_failing: bool
    _engine_error: str | None
    _concurrent_jobs: bool
    _chapter_stop: ChapterStop
    _closed: bool

    def _clamp(self, index: int) -> int:
        return min(max(index, 0), max(len(self.sentences) - 1, 0))

    def _set_state(self, state: NarrationState, when: Callable[[], bool] | None = None) -> None:
        """The one place the state changes: decided under _cond (`when` too), reported after releasing it. The
        state lock keeps the reports in the order of the changes; callers never hold _cond."""
        with self._state_lock:
            with self._cond:
                if state is self._state or (when is not None and not when()):
                    return
                self._state = state
            self.listener.on_state(state)

    def _report_error(self, message: str) -> None:
        log.info("%s", message)  # the listener shows it to the user (status line, command line): not twice
        self.listener.on_error(message)
