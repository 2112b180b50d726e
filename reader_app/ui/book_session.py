"""Everything slow about opening a book, done on the loader's worker thread: registering it in the library,
syncing its sentences into its SQLite cache, resolving the model and voice, and planning the narrator (clip keys
for every sentence). For a 20,000-sentence novel that is seconds of work the window must not wait on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reader_app.books.model import Book
from reader_app.narration.controller import NarrationController
from reader_app.narration.narrator import Narrator
from reader_app.narration.session import choose_voice
from reader_app.tts.engine import EngineError
from reader_app.ui.voice_chooser import saved_voices
from reader_app.voices.library import VoiceEntry

if TYPE_CHECKING:  # annotations only
    from reader_app.models.catalog import ModelInfo
    from reader_app.store.book_cache import BookCache
    from reader_app.ui.services import AppServices


@dataclass
class OpenedBook:
    book: Book
    book_id: str
    cache: BookCache
    narrator: Narrator
    start: int  # the sentence to resume at
    model_info: ModelInfo | None  # None without a usable model
    voices: list[VoiceEntry] = field(default_factory=list)  # saved voices for the chooser
    voice_name: str = ""  # the voice narrating (the model's default when the book's own does not fit)
    voice_problem: str | None = None  # why the book's voice is not used (a wrong kind for the model): to show

    def close(self) -> None:
        """For a book that was prepared but never shown (the window closed first)."""
        self.narrator.close()
        self.cache.close()


def prepare_book(services: AppServices, listener: NarrationController, book: Book) -> OpenedBook:
    """Runs on a worker thread. listener: the window's controller (its signals cross threads safely)."""
    library = services.library
    record = library.add_book(book)
    library.mark_opened(record.id)
    cache = library.open_book_cache(book)
    try:
        cache.sync_sentences(book)
        narrator = Narrator(book, cache, services.narration_config(book), services.make_output(),
                            services.engine_provider(), listener=listener, reopen_output=services.make_output)
    except BaseException:
        cache.close()
        raise
    try:
        info = services.model_info()
    except (EngineError, OSError):  # an unusable model: the notice explains it
        info = None
    position = library.position(record.id)
    ids = [s.id for s in narrator.sentences]
    start = ids.index(position.sentence_id) if position is not None and position.sentence_id in ids else 0
    voice_name = library.book_setting(record.id, "voice_name", services.settings.voice) or ""
    problem = None
    if info is not None:
        try:  # the same choice services.narration_config made: a voice the model cannot speak falls back
            choice = choose_voice(info, voice_name)
            voice_name, problem = choice.name, choice.problem
        except EngineError as exc:  # a Base model and no cloned voice: nothing to fall back to
            problem = str(exc)
    return OpenedBook(book, record.id, cache, narrator, start, info, saved_voices(), voice_name, problem)
