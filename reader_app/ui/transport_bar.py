"""The transport: play/pause, previous/next sentence and chapter, position in the chapter, speed, volume, sleep
timer and how much audio is ready ahead. It only emits intent; the window acts on it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reader_app.narration.config import speed_choices
from reader_app.ui.elided_label import ElidedLabel
from reader_app.ui.icons import media_icon

SPEEDS = speed_choices()  # the one range (narration/config.py): what --speed and the settings accept
SLEEP_CHOICES = (("Sleep: off", 0), ("Sleep in 15 min", 15), ("Sleep in 30 min", 30), ("Sleep in 45 min", 45),
                 ("Sleep in 60 min", 60), ("Sleep at end of chapter", -1))


class TransportBar(QFrame):
    playToggled = Signal()
    previousSentence = Signal()
    nextSentence = Signal()
    previousChapter = Signal()
    nextChapter = Signal()
    positionChosen = Signal(int)  # sentence number within the chapter (from 0)
    speedChanged = Signal(float)
    volumeChanged = Signal(float)  # 0..1
    sleepChosen = Signal(int)  # minutes; 0 off; -1 end of chapter
    back30 = Signal()  # 30 s back / forward on the listening timeline (ui/listening_time.py)
    forward30 = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transportBar")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 8, 14, 10)
        outer.setSpacing(6)
        outer.addLayout(self._position_row())
        outer.addLayout(self._controls_row())
        self._color = "#22211f"
        self._playing = False
        self.set_icon_color(self._color)
        self.set_enabled(False)

    def _position_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        # A long chapter title loses its middle, so the sentence count at the end stays readable.
        self.position_label = ElidedLabel("", self, Qt.TextElideMode.ElideMiddle)
        self.position_label.setObjectName("muted")
        self.position_label.setMinimumWidth(220)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setToolTip("Position within the chapter")
        self.slider.setPageStep(5)
        self.ready = QProgressBar(self)
        self.ready.setRange(0, 60)
        self.ready.setFixedWidth(150)
        self.ready.setFormat("nothing ready")
        self.ready.setToolTip("Audio ready ahead of what you hear")
        row.addWidget(self.position_label, 2)
        row.addWidget(self.slider, 5)
        self.time_label = QLabel("", self)  # elapsed / total in the chapter, left in the book
        self.time_label.setObjectName("muted")
        row.addWidget(self.time_label)
        row.addWidget(self.ready)
        self.slider.sliderReleased.connect(lambda: self.positionChosen.emit(self.slider.value()))
        self.slider.actionTriggered.connect(self._slider_action)
        return row

    def _controls_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.status_label = ElidedLabel("", self)  # ends in "…" when cut; the whole text is in its tooltip
        self.status_label.setObjectName("muted")
        self.status_label.setMinimumWidth(200)  # room for the start of a message beside the buttons
        row.addWidget(self.status_label, 1)
        self.prev_chapter = self._tool("previous_chapter", "Previous chapter (Ctrl+Left)", self.previousChapter)
        self.prev_sentence = self._tool("previous_sentence", "Previous sentence (Left)", self.previousSentence)
        self.play_button = QPushButton("Play", self)
        self.play_button.setObjectName("playButton")
        self.play_button.setMinimumWidth(112)
        self.play_button.setMinimumHeight(36)
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.playToggled)
        self.next_sentence = self._tool("next_sentence", "Next sentence (Right)", self.nextSentence)
        self.next_chapter = self._tool("next_chapter", "Next chapter (Ctrl+Right)", self.nextChapter)
        self.back_30 = self._tool("", "Back 30 seconds (Shift+Left)", self.back30)
        self.back_30.setText("−30 s")
        self.forward_30 = self._tool("", "Forward 30 seconds (Shift+Right)", self.forward30)
        self.forward_30.setText("+30 s")
        for widget in (self.prev_chapter, self.back_30, self.prev_sentence, self.play_button, self.next_sentence,
                       self.forward_30, self.next_chapter):
            row.addWidget(widget)
        right = QHBoxLayout()
        right.setSpacing(8)
        right.addStretch(1)
        self.speed = QComboBox(self)
        self.speed.setToolTip("Reading speed")
        for value in SPEEDS:
            self.speed.addItem(f"{value:g}×", value)
        self.speed.currentIndexChanged.connect(lambda i: self.speedChanged.emit(float(self.speed.itemData(i))))
        self.volume_icon = volume_icon = QLabel(self)
        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setRange(0, 100)
        self.volume.setFixedWidth(96)
        self.volume.setToolTip("Volume")
        self.volume.valueChanged.connect(lambda v: self.volumeChanged.emit(v / 100))
        self.sleep = QComboBox(self)
        self.sleep.setToolTip("Sleep timer: pause playback later")
        for label, minutes in SLEEP_CHOICES:
            self.sleep.addItem(label, minutes)
        self.sleep.currentIndexChanged.connect(lambda i: self.sleepChosen.emit(int(self.sleep.itemData(i))))
        for control in (self.speed, volume_icon, self.volume, self.sleep):
            right.addWidget(control)
        row.addLayout(right, 1)
        return row

    def _tool(self, icon: str, tip: str, signal) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName("transportButton")
        button.setProperty("iconName", icon)
        button.setIconSize(QSize(22, 22))
        button.setToolTip(tip)
        button.clicked.connect(signal)
        return button

    @Slot(int)
    def _slider_action(self, action: int) -> None:
        # Clicks on the groove (page steps) and keyboard moves seek at once; drags seek on release.
        if not self.slider.isSliderDown():
            self.positionChosen.emit(self.slider.sliderPosition())

    # -- what the window sets ----------------------------------------------------------------------------
    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.prev_chapter, self.prev_sentence, self.play_button, self.next_sentence,
                       self.next_chapter, self.slider, self.back_30, self.forward_30):
            widget.setEnabled(enabled)

    def set_icon_color(self, color: str) -> None:
        """Repaint the icons for a theme (the play button keeps white on its accent background)."""
        self._color = color
        for button in (self.prev_chapter, self.prev_sentence, self.next_sentence, self.next_chapter):
            button.setIcon(media_icon(button.property("iconName"), color))
        self.volume_icon.setPixmap(media_icon("volume", color).pixmap(20, 20))
        self.set_playing(self._playing)

    def set_playing(self, playing: bool) -> None:
        self._playing = playing
        self.play_button.setIcon(media_icon("pause" if playing else "play", "#ffffff"))
        self.play_button.setText("Pause" if playing else "Play")

    def set_position(self, chapter_title: str, within: int, count: int, index: int, total: int) -> None:
        """within: sentence number in the chapter (from 0); index: in the book."""
        self.position_label.setText(f"{chapter_title} · {within + 1} / {count}")
        self.position_label.setToolTip(f"{chapter_title}: sentence {within + 1} of {count} "
                                       f"({index + 1} of {total} in the book)")
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setRange(0, max(count - 1, 0))
            self.slider.setValue(within)
            self.slider.blockSignals(False)

    def set_times(self, text: str, tooltip: str = "") -> None:
        self.time_label.setText(text)
        self.time_label.setToolTip(tooltip)

    def set_ready(self, seconds: float, lookahead_s: float) -> None:
        self.ready.setRange(0, max(int(lookahead_s), 1))
        self.ready.setValue(min(int(seconds), self.ready.maximum()))
        self.ready.setFormat(f"{seconds:.0f} s ready" if seconds >= 1 else "nothing ready")

    def set_speed(self, speed: float) -> None:
        nearest = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed))
        self.speed.blockSignals(True)
        self.speed.setCurrentIndex(nearest)
        self.speed.blockSignals(False)

    def set_volume(self, volume: float) -> None:
        self.volume.blockSignals(True)
        self.volume.setValue(int(round(volume * 100)))
        self.volume.blockSignals(False)

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(text)
