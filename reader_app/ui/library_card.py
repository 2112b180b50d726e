"""How one book looks in the library grid: a card of fixed size, its cover on a common baseline, the title on
at most two lines, then the author and the detail lines (progress, cached audio) on one line each. Whatever
does not fit ends in "…"; the item's tooltip holds all of it.

The card reads its item's text: the title, the author, then one detail line per line (library_view writes it).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

COVER = QSize(132, 188)
PADDING = 10
TITLE_LINES = 2
DETAIL_LINES = 3  # author + progress + cached audio, one line each
CARD = QSize(COVER.width() + 2 * PADDING + 24, 0)  # height: set below, from the font


def wrap_lines(text: str, metrics: QFontMetrics, width: int, max_lines: int) -> list[str]:
    """`text` broken into at most `max_lines` lines no wider than `width` (a word longer than a line is split),
    the last one ending in "…" when text is left over."""
    words = text.split()
    lines: list[str] = []
    current, split_word, i = "", False, 0
    while i < len(words):
        candidate = f"{current} {words[i]}" if current else words[i]
        if metrics.horizontalAdvance(candidate) <= width:
            current, i = candidate, i + 1
            continue
        if current:  # the line is full
            lines.append(current)
            current, split_word = "", False
        else:  # one word wider than a whole line
            cut = max(1, _fitting_chars(words[i], metrics, width))
            lines.append(words[i][:cut])
            words[i], split_word = words[i][cut:], True
        if len(lines) == max_lines:
            rest = " ".join(words[i:])
            last = lines[-1] + ("" if split_word else " ") + rest
            return [*lines[:-1], metrics.elidedText(last, Qt.TextElideMode.ElideRight, width)]
    return [*lines, current] if current else lines


def _fitting_chars(word: str, metrics: QFontMetrics, width: int) -> int:
    count = 0
    while count < len(word) and metrics.horizontalAdvance(word[:count + 1]) <= width:
        count += 1
    return count


def generated_cover(title: str, size: QSize = COVER) -> QPixmap:
    """A plain cover for a book without one: a colour from the title, and the title wrapped to fit."""
    pixmap = QPixmap(size)
    pixmap.fill(QColor.fromHsl(sum(title.encode()) % 360, 70, 95))
    painter = QPainter(pixmap)
    painter.setPen(QColor("#ffffff"))
    font = QFont()
    font.setPointSize(11)
    font.setBold(True)
    painter.setFont(font)
    metrics = QFontMetrics(font)
    area = QRect(0, 0, size.width(), size.height()).adjusted(10, 10, -10, -10)
    lines = wrap_lines(title, metrics, area.width(), max(area.height() // metrics.lineSpacing(), 1))
    top = area.top() + (area.height() - len(lines) * metrics.lineSpacing()) // 2
    for row, line in enumerate(lines):
        painter.drawText(QRect(area.left(), top + row * metrics.lineSpacing(), area.width(), metrics.lineSpacing()),
                         int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), line)
    painter.end()
    return pixmap


def card_fonts(base: QFont) -> tuple[QFont, QFont]:
    title = QFont(base)
    title.setBold(True)
    detail = QFont(base)
    detail.setPointSizeF(max(base.pointSizeF() - 1, 7.0))
    return title, detail


def card_size(base: QFont) -> QSize:
    title, detail = card_fonts(base)
    height = (PADDING + COVER.height() + 8 + TITLE_LINES * QFontMetrics(title).lineSpacing()
              + DETAIL_LINES * QFontMetrics(detail).lineSpacing() + PADDING)
    return QSize(CARD.width(), height)


def card_lines(text: str, base: QFont) -> list[tuple[str, bool]]:
    """The lines a card shows for an item's text, each with whether it is the (bold) title."""
    title_font, detail_font = card_fonts(base)
    width = CARD.width() - 2 * PADDING
    parts = text.split("\n")
    shown = [(line, True) for line in wrap_lines(parts[0], QFontMetrics(title_font), width, TITLE_LINES)]
    metrics = QFontMetrics(detail_font)
    details = [p for p in parts[1:] if p][:DETAIL_LINES]
    return shown + [(metrics.elidedText(line, Qt.TextElideMode.ElideRight, width), False) for line in details]


class LibraryCardDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return card_size(option.font)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        self.initStyleOption(option, index)
        widget: QWidget | None = option.widget
        style = widget.style() if widget is not None else None
        painter.save()
        if style is not None:  # hover and selection as the style sheet draws them
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        rect: QRect = option.rect
        cover_box = QRect(rect.left() + (rect.width() - COVER.width()) // 2, rect.top() + PADDING,
                          COVER.width(), COVER.height())
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            pixmap = icon.pixmap(COVER)
            size = pixmap.size().scaled(COVER, Qt.AspectRatioMode.KeepAspectRatio)
            # Centred, on the box's bottom edge: every title starts at the same height.
            target = QRect(cover_box.left() + (COVER.width() - size.width()) // 2,
                           cover_box.bottom() + 1 - size.height(), size.width(), size.height())
            painter.drawPixmap(target, pixmap)
        title_font, detail_font = card_fonts(option.font)
        palette = option.palette
        left, width = rect.left() + PADDING, rect.width() - 2 * PADDING
        top = cover_box.bottom() + 1 + 8
        title_height = QFontMetrics(title_font).lineSpacing()
        detail_height = QFontMetrics(detail_font).lineSpacing()
        centre_top = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        lines = card_lines(str(index.data(Qt.ItemDataRole.DisplayRole) or ""), option.font)
        titles = [line for line, is_title in lines if is_title]
        details = [line for line, is_title in lines if not is_title]
        painter.setFont(title_font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        for row, line in enumerate(titles):
            painter.drawText(QRect(left, top + row * title_height, width, title_height), centre_top, line)
        # The details start below the title's two rows even when it takes one: every card lines up.
        top += TITLE_LINES * title_height
        painter.setFont(detail_font)
        for row, line in enumerate(details):
            role = QPalette.ColorRole.Text if row == 0 else QPalette.ColorRole.PlaceholderText  # author, then muted
            painter.setPen(palette.color(role))
            painter.drawText(QRect(left, top + row * detail_height, width, detail_height), centre_top, line)
        painter.restore()
