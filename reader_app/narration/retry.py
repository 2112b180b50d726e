"""The narrator's failure policy for one batch: try it whole, and when that fails, each sentence alone.

A failing batch is split so the culprit is found and the other sentences still get their audio; a sentence
that fails every try alone is given up (the narrator skips it with a marker). Pure: the engine call is passed in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from reader_app.audio.clip import AudioClip
from reader_app.narration import synthesis

log = logging.getLogger(__name__)

# attempt(indices, whole): clips for these sentences (raises on failure, synthesis.Cancelled to stop);
# whole is True for the first try of the whole batch.
Attempt = Callable[[list[int], bool], list[AudioClip]]


def clips_or_failures(attempt: Attempt, batch: list[int], tries_alone: int) -> Iterator[tuple[int, AudioClip | str]]:
    """(index, clip) per sentence of `batch`, or (index, message of its last failure) once it failed
    `tries_alone` times on its own. Lazily: each result is there as soon as it is known."""
    try:
        clips = attempt(batch, True)
        done = list(zip(batch, clips, strict=True))
    except synthesis.Cancelled:
        raise
    except Exception as exc:  # noqa: BLE001 - model code may raise anything on a bad sentence: find it alone
        log.info("synthesis of %d sentence(s) failed: %s", len(batch), exc)
    else:
        yield from done
        return
    for index in batch:
        yield index, _alone(attempt, index, tries_alone)


def _alone(attempt: Attempt, index: int, tries: int) -> AudioClip | str:
    message = ""
    for number in range(1, tries + 1):
        try:
            clip, = attempt([index], False)
        except synthesis.Cancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - model code may raise anything: tried again, then given up
            message = str(exc)
            log.info("sentence %d failed (attempt %d): %s", index, number, exc)
            continue
        return clip
    return message
