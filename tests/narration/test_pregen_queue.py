"""The generation queue's model: order, pause, remove, the file it is kept in, and a file that is not usable."""

from __future__ import annotations

import json

from reader_app.narration.pregen_queue import (
    QUEUE_FILE,
    EntryStatus,
    GenerationQueue,
    QueueEntry,
    playback_has_priority,
)


def test_add_order_pause_move_remove_and_reload(tmp_path):
    queue = GenerationQueue.in_folder(tmp_path)
    a = queue.add("book-a", "/books/a.epub", "A", model_path="/models/m", voice_name="ryan")
    b = queue.add("book-b", "/books/b.epub", "B", 2, 4)
    c = queue.add("book-c", "/books/c.txt", "C")
    assert [e.id for e in queue.entries] == [a.id, b.id, c.id]
    assert queue.next_runnable() == a
    queue.set_paused(a.id, True)
    assert queue.next_runnable() == b
    queue.move(c.id, -5)  # past the front: first
    assert [e.title for e in queue.entries] == ["C", "A", "B"]
    queue.update(b.id, status=EntryStatus.RUNNING, done=3, total=10)
    queue.remove(c.id)

    again = GenerationQueue.in_folder(tmp_path)  # a restart
    assert again.notice == ""
    assert [e.title for e in again.entries] == ["A", "B"]
    restored_a, restored_b = again.entries
    assert restored_a.status is EntryStatus.PAUSED and restored_a.model_path == "/models/m"
    assert restored_a.voice_name == "ryan"
    # It was running when the app stopped: its turn again, with what it had done.
    assert restored_b.status is EntryStatus.QUEUED and (restored_b.done, restored_b.total) == (3, 10)
    assert restored_b.chapters(10) == range(2, 5)
    assert again.next_runnable() == restored_b
    again.set_paused(restored_a.id, False)
    assert again.next_runnable().id == restored_a.id


def test_the_same_book_and_range_is_one_entry_queued_again(tmp_path):
    queue = GenerationQueue.in_folder(tmp_path)
    first = queue.add("book-a", "/a.epub", "A")
    queue.update(first.id, status=EntryStatus.DONE, done=5, total=5)
    again = queue.add("book-a", "/a.epub", "A", voice_name="vivian")
    assert len(queue) == 1 and again.id == first.id
    assert again.status is EntryStatus.QUEUED and again.voice_name == "vivian"
    queue.add("book-a", "/a.epub", "A", 3)  # another range: another entry
    assert len(queue) == 2
    queue.remove_book("book-a")
    assert len(queue) == 0


def test_chapters_and_fraction():
    entry = QueueEntry("x", "b", "/p", "T", 1, None, done=2, total=8)
    assert entry.chapters(4) == range(1, 4)
    assert QueueEntry("x", "b", "/p", "T", 0, 9).chapters(3) == range(0, 3)
    assert entry.fraction == 0.25
    assert QueueEntry("x", "b", "/p", "T", status=EntryStatus.DONE).fraction == 1.0


def test_a_file_that_is_not_usable_is_set_aside(tmp_path):
    path = tmp_path / QUEUE_FILE
    path.write_text("{not json", encoding="utf-8")
    queue = GenerationQueue.load(path)
    assert len(queue) == 0 and "cannot be used" in queue.notice
    assert (tmp_path / (QUEUE_FILE + ".bad")).exists() and not path.exists()
    queue.add("b", "/p", "T")  # and it works from there
    assert GenerationQueue.load(path).entries[0].title == "T"


def test_bad_entries_are_dropped_and_said(tmp_path):
    path = tmp_path / QUEUE_FILE
    good = QueueEntry("1", "b", "/p", "T").to_json()
    path.write_text(json.dumps({"version": 1, "entries": [good, {"id": "2", "book_id": "b", "path": "/q",
                                                                 "status": "exploded"}, "junk", good]}))
    queue = GenerationQueue.load(path)
    assert [e.id for e in queue.entries] == ["1"]  # the duplicate id is kept once
    assert queue.notice.startswith("2 entries of the generation queue could not be read")


def test_a_save_that_fails_keeps_the_queue_in_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    queue = GenerationQueue.load(blocker / QUEUE_FILE)  # its folder is a file: nothing can be written
    entry = queue.add("b", "/p", "T")
    assert queue.get(entry.id) == entry and "could not be saved" in queue.save_error


def test_playback_priority():
    assert playback_has_priority("buffering", 0.0, 60.0, True)
    assert playback_has_priority("playing", 10.0, 60.0, True)
    assert not playback_has_priority("playing", 10.0, 60.0, False)  # the rest of the book is made
    assert not playback_has_priority("playing", 61.0, 60.0, True)  # the look-ahead is full
    assert not playback_has_priority("paused", 0.0, 60.0, True)
    assert not playback_has_priority("stopped", 0.0, 60.0, True)
