"""Transport icons painted in the theme's text colour, so they stay visible on light and dark themes alike
(the style's standard media icons are dark-only)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPixmap

SIZE = 48  # painted large, scaled down by Qt


def _triangle(path: QPainterPath, x0: float, x1: float, top: float = 10, bottom: float = 38) -> None:
    """A triangle pointing right (x0 < x1) or left (x0 > x1)."""
    path.moveTo(x0, top)
    path.lineTo(x1, (top + bottom) / 2)
    path.lineTo(x0, bottom)
    path.closeSubpath()


def _shape(name: str) -> QPainterPath:
    p = QPainterPath()
    if name == "play":
        _triangle(p, 14, 38)
    elif name == "pause":
        p.addRoundedRect(QRectF(12, 10, 8, 28), 2, 2)
        p.addRoundedRect(QRectF(28, 10, 8, 28), 2, 2)
    elif name == "next_sentence":
        _triangle(p, 8, 25)
        _triangle(p, 24, 41)
    elif name == "previous_sentence":
        _triangle(p, 40, 23)
        _triangle(p, 24, 7)
    elif name == "next_chapter":
        _triangle(p, 10, 32)
        p.addRect(QRectF(33, 10, 5, 28))
    elif name == "previous_chapter":
        _triangle(p, 38, 16)
        p.addRect(QRectF(10, 10, 5, 28))
    elif name == "volume":
        p.moveTo(8, 18)
        p.lineTo(16, 18)
        p.lineTo(26, 9)
        p.lineTo(26, 39)
        p.lineTo(16, 30)
        p.lineTo(8, 30)
        p.closeSubpath()
    return p


def media_icon(name: str, color: str | QColor) -> QIcon:
    pixmap = QPixmap(SIZE, SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawPath(_shape(name))
    if name == "volume":  # sound waves
        pen = painter.pen()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen.setStyle(Qt.PenStyle.SolidLine)
        pen.setColor(QColor(color))
        pen.setWidthF(3.5)
        painter.setPen(pen)
        for radius in (8, 15):
            painter.drawArc(QRectF(QPointF(24 - radius, 24 - radius), QPointF(24 + radius, 24 + radius)),
                            -50 * 16, 100 * 16)
    painter.end()
    return QIcon(pixmap)
