"""View ▸ Larger font: views measured for the old font are measured again (nothing is cut)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from gui import theme
from gui.labs.text_cnn.views import fill_table
from gui.main_window import MainWindow


def _larger_font_action(window: MainWindow):
    view = next(a for a in window.menuBar().actions() if a.text().replace("&", "") == "View")
    return next(a for a in view.menu().actions() if a.text().replace("&", "") == "Larger font")


def test_larger_font_keeps_the_pipeline_steps_lengths_table_and_token_chips_whole(qtbot, tmp_store):
    window = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(window)
    window.show()
    text_cnn = window.show_tab("text_cnn")
    bert = window.show_tab("bert")
    bert.tokens.chips.set_chips([("piece", "0<br><b>[CLS]</b><br>101<br>mask 1 · seg 0", "")])
    try:
        larger_font = _larger_font_action(window)
        for _ in range(4):  # 9 → 13 pt here
            larger_font.trigger()
        QApplication.processEvents()
        steps = text_cnn.explorer.steps
        last = steps.visualItemRect(text_cnn.explorer.step_items[-1])
        assert last.bottom() <= steps.viewport().height(), "the last step row is cut"
        assert not steps.horizontalScrollBar().isVisible()
        lengths = text_cnn.lengths
        fill_table(lengths.table, [(f"{p} %", p * 3, p * 30) for p in (50, 75, 90, 95, 99, 100)])
        lengths._fit_table()
        for _ in range(2):
            larger_font.trigger()  # measured again on the change
        QApplication.processEvents()
        table = lengths.table
        last = table.visualRect(table.model().index(5, 2))
        assert last.bottom() < table.viewport().height() and last.right() < table.viewport().width()
        header = table.horizontalHeader()
        assert all(header.sectionSize(c) >= header.sectionSizeHint(c) for c in range(3)), "a title is cut"
        chip = bert.tokens.chips.chips[0]
        assert chip.width() >= chip.fontMetrics().horizontalAdvance("mask 1 · seg 0")
    finally:
        window.close()
        theme.apply_font_size(theme.default_font_size())
