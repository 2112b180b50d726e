"""The window narrating from a speech server (Settings > Model > Run the engine: On a speech server): a real
`reader-app serve` on loopback with a tiny checkpoint, no local model at all. The server's model keys the clips,
the generation queue remembers the server, and an unset or unreachable server is said in one line, quickly."""

from __future__ import annotations

import socket

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit

from reader_app.audio.output import NullOutput
from reader_app.books import load_book
from reader_app.narration.engine_provider import HOST_VARIABLE, local_host
from reader_app.narration.pregen_queue import EntryStatus
from reader_app.settings import Settings
from reader_app.store import Library
from reader_app.tts.engine import EngineHost
from reader_app.tts.remote.engine import RemoteEngine
from reader_app.ui.services import NO_SERVER, AppServices
from reader_app.ui.settings_dialog import SettingsDialog
from tests.server.conftest import TOKEN, server  # noqa: F401 - the module's speech server fixture
from tests.support.ui import open_window, quick_settings, screens_dir


@pytest.fixture(autouse=True)
def settings_choose_the_host(monkeypatch):
    monkeypatch.delenv(HOST_VARIABLE, raising=False)  # the suite runs engines inline; here the setting decides


def _services(library: Library, url: str, token: str | None = TOKEN) -> AppServices:
    settings = quick_settings(engine_host=EngineHost.REMOTE, remote_server=url, remote_token=token or "")
    return AppServices(settings, library, output_factory=lambda: NullOutput(), save_settings=False)


def _closed_port_url() -> str:
    with socket.socket() as probe:  # a port nobody listens on: refused at once
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_the_servers_model_is_narrations_model(tmp_path, server):  # noqa: F811 - the fixture
    services = _services(Library(tmp_path / "data"), server.url)
    info = services.model_info()
    assert info is not None and info.on_server and info.model_id == f"remote:{server.engine.model_id}"
    assert info.speakers == server.model.speakers and server.url in info.describe()
    assert services.model_problem() is None and services.narration_source() == server.url
    services.model_info()
    assert services._server_probe.asked == 1  # the window asks often; the server is asked once
    engine = services.engine_provider().get()
    assert isinstance(engine, RemoteEngine) and engine.model_id == info.model_id
    assert services.local_model_info() is None  # no local folder: the voice studio has none to offer


def test_no_server_and_an_unreachable_one_are_said_in_one_line(tmp_path, monkeypatch):
    services = _services(Library(tmp_path / "data"), "")
    assert services.model_problem() == NO_SERVER and services.engine_provider() is None
    url = _closed_port_url()
    services.settings.remote_server = url
    problem = services.model_problem()
    assert problem is not None and url in problem and "\n" not in problem
    assert services.model_problem() == problem and services._server_probe.asked == 1  # remembered a while
    new = Settings.from_values({**vars(services.settings), "remote_token": "other"}, services.settings)[0]
    services.apply_settings(new)  # a change of server settings asks again
    services.model_problem()
    assert services._server_probe.asked == 2


def test_a_wrong_token_is_refused_with_the_servers_reason(tmp_path, server):  # noqa: F811 - the fixture
    problem = _services(Library(tmp_path / "data"), server.url, token="wrong").model_problem()
    assert problem is not None and "401" in problem


def test_the_window_and_its_queue_narrate_from_the_server(qtbot, tmp_path, server):  # noqa: F811 - the fixture
    library = Library(tmp_path / "data")
    heard, queued = tmp_path / "heard.txt", tmp_path / "queued.txt"
    heard.write_text("Heard\n\nOne sentence here. And a second one.\n", encoding="utf-8")
    queued.write_text("Queued\n\nOne sentence here. And a second one. A third to end.\n", encoding="utf-8")
    window = open_window(qtbot, _services(library, server.url), heard)
    narrator = window.controller.narrator
    assert narrator.config.model_id == f"remote:{server.engine.model_id}"  # the server's model keys the clips
    window.playback.play_from(0)
    qtbot.waitUntil(lambda: narrator.state == "finished", timeout=60_000)
    assert library.cache_stats(window.book_id).clips == len(narrator.sentences) == 3  # the title is one
    book_id = library.add_book(load_book(queued)).id
    entry = window.generation_queue.add_book(book_id)
    assert entry is not None and entry.model_path == server.url  # the queue remembers where its audio comes from
    queue = window.generation_queue.queue
    qtbot.waitUntil(lambda: queue.get(entry.id).status in (EntryStatus.DONE, EntryStatus.FAILED), timeout=120_000)
    done = queue.get(entry.id)
    assert done.status is EntryStatus.DONE, done.message
    assert library.cache_stats(book_id).clips == done.total == 4
    window.close()
    library.close()


def test_pronunciation_listen_speaks_through_the_server(qtbot, tmp_path, server):  # noqa: F811 - the fixture
    from reader_app.studio.lexicon import LexiconEntry
    from reader_app.ui.lexicon_dialog import LexiconDialog

    library = Library(tmp_path / "data")
    services = _services(library, server.url)
    window = open_window(qtbot, services)
    window.actions_.pronunciation.trigger()
    dialog = window.findChild(LexiconDialog)
    narrating = services.engine_provider().get()
    assert isinstance(narrating, RemoteEngine) and dialog._load_engine(server.url) is narrating
    with qtbot.waitSignal(dialog.spoken, timeout=60_000):
        dialog.listen(LexiconEntry("Alice", "A-lees"))
    assert "Listening" in dialog.status.text()
    dialog.close()
    window.close()
    library.close()


def test_the_settings_dialog_offers_the_server(qtbot, tmp_path):
    dialog = SettingsDialog(Settings(remote_server="http://gpu-box:8000", remote_token="t0ken"))
    qtbot.addWidget(dialog)
    host = dialog.editors["engine_host"]
    server_edit, token_edit = dialog.editors["remote_server"], dialog.editors["remote_token"]
    assert isinstance(host, QComboBox) and isinstance(token_edit, QLineEdit)
    assert [host.itemText(i) for i in range(host.count())][-1] == "On a speech server"
    assert token_edit.echoMode() == QLineEdit.EchoMode.PasswordEchoOnEdit
    assert not server_edit.isEnabled() and not token_edit.isEnabled()  # only for a server
    host.setCurrentIndex(host.findData(EngineHost.REMOTE))
    assert server_edit.isEnabled() and token_edit.isEnabled()
    tabs = dialog.tabs
    assert [tabs.tabText(i) for i in range(tabs.count()) if tabs.widget(i).isAncestorOf(server_edit)] == ["Model"]
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == "Model"))
    dialog.show()
    dialog.grab().save(str(screens_dir(tmp_path) / "settings-speech-server.png"))
    edited = dialog.edited_settings()
    assert (edited.engine_host, edited.remote_server, edited.remote_token) == (
        EngineHost.REMOTE, "http://gpu-box:8000", "t0ken")
    server_edit.setText("gpu-box:8000")  # no scheme: not a URL the engine can call
    assert any("remote_server" in p or "Speech server" in p for p in dialog.problems())


def test_local_engines_stay_local_while_a_server_narrates():
    assert local_host(EngineHost.REMOTE) == EngineHost.PROCESS
    assert local_host(EngineHost.INLINE) == EngineHost.INLINE
