"""MPRIS on Linux: the reader on the D-Bus session bus as org.mpris.MediaPlayer2.reader_app, so the desktop's
media controls, headset buttons and `playerctl` can see and drive it.

One QDBusVirtualObject at /org/mpris/MediaPlayer2 answers every message itself: the two MPRIS interfaces'
methods, org.freedesktop.DBus.Properties (Get, GetAll, Set) and Introspect. PySide6 cannot declare D-Bus
properties on a QDBusAbstractAdaptor reliably, and this way every reply's D-Bus types are chosen here.
PropertiesChanged is sent whenever what WindowMedia reports changes.

Not offered: Position and mpris:length (PySide6 turns a Python int below 2**31 into int32, and the spec wants
int64; an audiobook chapter's length is rarely known before its audio is made anyway), so CanSeek is false and
Seek / SetPosition do nothing. Without a session bus (no DBUS_SESSION_BUS_ADDRESS, macOS, Windows) start()
logs one line at debug level and returns None: the app runs without it.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any
from urllib.parse import unquote, urlparse

from PySide6.QtCore import QMetaType, QObject, Slot
from PySide6.QtDBus import (
    QDBusArgument,
    QDBusConnection,
    QDBusMessage,
    QDBusObjectPath,
    QDBusVariant,
    QDBusVirtualObject,
)

from reader_app.ui.system.media import NowPlaying, WindowMedia

log = logging.getLogger(__name__)

SERVICE = "org.mpris.MediaPlayer2.reader_app"
OBJECT_PATH = "/org/mpris/MediaPlayer2"
ROOT = "org.mpris.MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
PEER = "org.freedesktop.DBus.Peer"
NO_TRACK = "/org/mpris/MediaPlayer2/TrackList/NoTrack"
IDENTITY = "Reader"
DESKTOP_ENTRY = "reader-app"
MIN_RATE, MAX_RATE = 0.5, 3.0  # the narrator's speed range (audio/stretch.py)

INTROSPECTION = f"""<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="{INTROSPECTABLE}"><method name="Introspect"><arg name="xml" type="s" direction="out"/></method>
  </interface>
  <interface name="{PEER}"><method name="Ping"/></interface>
  <interface name="{PROPERTIES}">
    <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="out"/>
    </method>
    <method name="GetAll"><arg type="s" direction="in"/><arg type="a{{sv}}" direction="out"/></method>
    <method name="Set"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="in"/>
    </method>
    <signal name="PropertiesChanged"><arg type="s"/><arg type="a{{sv}}"/><arg type="as"/></signal>
  </interface>
  <interface name="{ROOT}">
    <method name="Raise"/><method name="Quit"/>
    <property name="CanQuit" type="b" access="read"/><property name="CanRaise" type="b" access="read"/>
    <property name="HasTrackList" type="b" access="read"/><property name="Identity" type="s" access="read"/>
    <property name="DesktopEntry" type="s" access="read"/>
    <property name="SupportedUriSchemes" type="as" access="read"/>
    <property name="SupportedMimeTypes" type="as" access="read"/>
  </interface>
  <interface name="{PLAYER}">
    <method name="Next"/><method name="Previous"/><method name="Pause"/><method name="PlayPause"/>
    <method name="Stop"/><method name="Play"/>
    <method name="Seek"><arg name="Offset" type="x" direction="in"/></method>
    <method name="SetPosition"><arg name="TrackId" type="o" direction="in"/><arg name="Position" type="x"
      direction="in"/></method>
    <method name="OpenUri"><arg name="Uri" type="s" direction="in"/></method>
    <signal name="Seeked"><arg name="Position" type="x"/></signal>
    <property name="PlaybackStatus" type="s" access="read"/><property name="Rate" type="d" access="readwrite"/>
    <property name="Metadata" type="a{{sv}}" access="read"/><property name="Volume" type="d" access="readwrite"/>
    <property name="MinimumRate" type="d" access="read"/><property name="MaximumRate" type="d" access="read"/>
    <property name="CanGoNext" type="b" access="read"/><property name="CanGoPrevious" type="b" access="read"/>
    <property name="CanPlay" type="b" access="read"/><property name="CanPause" type="b" access="read"/>
    <property name="CanSeek" type="b" access="read"/><property name="CanControl" type="b" access="read"/>
  </interface>
</node>
"""


def string_list(items: list[str]) -> QDBusArgument:
    """An `as` even when empty (a plain Python list would go out as `av`)."""
    arg = QDBusArgument()
    if items:
        arg << [str(item) for item in items]  # a list of str is written as a QStringList: `as`
    else:
        arg.beginArray(QMetaType(QMetaType.Type.QString))
        arg.endArray()
    return arg


def track_id(now: NowPlaying) -> str:
    return f"/org/reader_app/chapter/{now.chapter}" if now.has_book else NO_TRACK


def metadata(now: NowPlaying) -> dict[str, Any]:
    meta: dict[str, Any] = {"mpris:trackid": QDBusObjectPath(track_id(now))}
    if now.has_book:
        meta.update({"xesam:title": now.title, "xesam:artist": string_list(list(now.authors)),
                     "xesam:album": now.chapter_title, "xesam:trackNumber": now.chapter + 1})
    return meta


def root_properties() -> dict[str, Any]:
    return {"CanQuit": True, "CanRaise": True, "HasTrackList": False, "Identity": IDENTITY,
            "DesktopEntry": DESKTOP_ENTRY, "SupportedUriSchemes": string_list(["file"]),
            "SupportedMimeTypes": string_list(["application/epub+zip", "text/plain"])}


def player_properties(now: NowPlaying) -> dict[str, Any]:
    return {"PlaybackStatus": str(now.status), "Rate": float(now.speed), "Metadata": metadata(now),
            "Volume": float(now.volume), "MinimumRate": MIN_RATE, "MaximumRate": MAX_RATE,
            "CanGoNext": now.can_go_next, "CanGoPrevious": now.has_book, "CanPlay": now.has_book,
            "CanPause": now.has_book, "CanSeek": False, "CanControl": True}


def _comparable(properties: dict[str, Any], now: NowPlaying) -> dict[str, Any]:
    """The player's properties in a form that compares by value (QDBusArgument does not)."""
    plain = dict(properties)
    plain["Metadata"] = (track_id(now), now.title, now.authors, now.chapter_title)
    return plain


class MprisObject(QDBusVirtualObject):
    def __init__(self, media: WindowMedia, quit_app: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.media = media
        self._quit_app = quit_app
        self._methods = {
            (PLAYER, "Play"): media.play, (PLAYER, "Pause"): media.pause, (PLAYER, "PlayPause"): media.play_pause,
            (PLAYER, "Stop"): media.stop, (PLAYER, "Next"): media.next, (PLAYER, "Previous"): media.previous,
            (PLAYER, "Seek"): lambda *_: None, (PLAYER, "SetPosition"): lambda *_: None,
            (PLAYER, "OpenUri"): self._open_uri, (ROOT, "Raise"): media.raise_window, (ROOT, "Quit"): quit_app,
        }

    def introspect(self, path: str) -> str:  # what QtDBus asks when it does the introspection itself
        return INTROSPECTION

    def properties_of(self, interface: str) -> dict[str, Any] | None:
        if interface == ROOT:
            return root_properties()
        if interface == PLAYER:
            return player_properties(self.media.now_playing())
        return None

    def handleMessage(self, message: QDBusMessage, connection: QDBusConnection) -> bool:
        interface, member, args = message.interface(), message.member(), list(message.arguments())
        if interface in (INTROSPECTABLE, "") and member == "Introspect":
            return self._reply(connection, message, [INTROSPECTION])
        if interface in (PEER, "") and member == "Ping":
            return self._reply(connection, message, [])
        if interface == PROPERTIES:
            return self._properties(connection, message, member, args)
        action = self._methods.get((interface, member))
        if action is None and not interface:  # a call without an interface: the first that has the method
            action = self._methods.get((PLAYER, member)) or self._methods.get((ROOT, member))
        if action is None:
            return self._error(connection, message, "org.freedesktop.DBus.Error.UnknownMethod",
                               f"No method {member} on {interface or 'this object'}")
        if member == "OpenUri":
            action(*args[:1])
        else:
            action()
        return self._reply(connection, message, [])

    def _properties(self, connection: QDBusConnection, message: QDBusMessage, member: str, args: list) -> bool:
        interface = str(args[0]) if args else ""
        values = self.properties_of(interface)
        if values is None:
            return self._error(connection, message, "org.freedesktop.DBus.Error.UnknownInterface",
                               f"No interface {interface}")
        if member == "GetAll":
            return self._reply(connection, message, [values])
        name = str(args[1]) if len(args) > 1 else ""
        if name not in values:
            return self._error(connection, message, "org.freedesktop.DBus.Error.UnknownProperty",
                               f"No property {name} on {interface}")
        if member == "Get":
            return self._reply(connection, message, [QDBusVariant(values[name])])
        if member == "Set" and interface == PLAYER and name in ("Rate", "Volume") and len(args) > 2:
            value = args[2].variant() if isinstance(args[2], QDBusVariant) else args[2]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                (self.media.set_speed if name == "Rate" else self.media.set_volume)(float(value))
                return self._reply(connection, message, [])
            return self._error(connection, message, "org.freedesktop.DBus.Error.InvalidArgs", f"{name} is a number")
        return self._error(connection, message, "org.freedesktop.DBus.Error.PropertyReadOnly",
                           f"{name} cannot be set")

    def _open_uri(self, uri: Any = "") -> None:
        parsed = urlparse(str(uri))
        if parsed.scheme == "file" and parsed.path:
            self.media.open_file(unquote(parsed.path))

    @staticmethod
    def _reply(connection: QDBusConnection, message: QDBusMessage, args: list) -> bool:
        if not message.isReplyRequired():
            return True
        reply = message.createReply()
        reply.setArguments(args)
        connection.send(reply)
        return True

    @staticmethod
    def _error(connection: QDBusConnection, message: QDBusMessage, name: str, text: str) -> bool:
        connection.send(message.createErrorReply(name, text))
        return True


class MprisService(QObject):
    """The registered object and name; stop() takes them off the bus (the window closes)."""

    def __init__(self, connection: QDBusConnection, media: WindowMedia, quit_app: Any, service: str) -> None:
        super().__init__(media)
        self.connection = connection
        self.service = service
        self.media = media
        self.object = MprisObject(media, quit_app, self)
        self._last: dict[str, Any] = {}
        self._stopped = False

    def register(self) -> bool:
        if not self.connection.registerVirtualObject(OBJECT_PATH, self.object):
            return False
        if not self.connection.registerService(self.service):
            self.connection.unregisterObject(OBJECT_PATH)
            return False
        now = self.media.now_playing()
        self._last = _comparable(player_properties(now), now)
        self.media.changed.connect(self._changed)
        return True

    @Slot()
    def _changed(self) -> None:
        if self._stopped:
            return
        now = self.media.now_playing()
        values = player_properties(now)
        plain = _comparable(values, now)
        changed = {name: values[name] for name, value in plain.items() if self._last.get(name) != value}
        self._last = plain
        if changed:
            signal = QDBusMessage.createSignal(OBJECT_PATH, PROPERTIES, "PropertiesChanged")
            signal.setArguments([PLAYER, changed, string_list([])])
            self.connection.send(signal)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.connection.unregisterService(self.service)
        self.connection.unregisterObject(OBJECT_PATH)


def session_bus_known() -> bool:
    """Whether this system says where a session bus is: the variable, or systemd's socket in the runtime folder
    (what libdbus looks for without it). Nothing else is tried: no autolaunch on a machine without one."""
    if sys.platform != "linux":
        return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS")) or bool(runtime and os.path.exists(f"{runtime}/bus"))


def start(media: WindowMedia, quit_app: Any) -> MprisService | None:
    """Register on the session bus; None (one debug line) where there is none or the name cannot be had."""
    if not session_bus_known():
        log.debug("MPRIS: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set); media controls are off")
        return None
    connection = QDBusConnection.sessionBus()
    if not connection.isConnected():
        log.debug("MPRIS: cannot connect to the D-Bus session bus (%s); media controls are off",
                  connection.lastError().message())
        return None
    # A second window or instance takes a name of its own, as the MPRIS spec suggests.
    for service in (SERVICE, f"{SERVICE}.instance{os.getpid()}_{id(media)}"):
        mpris = MprisService(connection, media, quit_app, service)
        if mpris.register():
            log.debug("MPRIS: registered as %s", service)
            return mpris
        mpris.deleteLater()
    log.debug("MPRIS: could not register on the session bus (%s)", connection.lastError().message())
    return None
