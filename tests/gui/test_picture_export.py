"""Export as PNG/SVG… on every plot and drawing of every lab, through the corner button, the
right-click menu and Ctrl+Shift+E: PNGs at 2× by default, SVGs whose text stays text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QGraphicsView, QMessageBox, QToolButton

from engine.labs import LABS
from gui.picture_export import SHORTCUT, PictureExport
from gui.workers import LIVE_RUNNERS

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def save_as(monkeypatch):
    """The file dialog answers with the path the test sets."""
    answer = {"path": ""}
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (answer["path"], "")))
    return answer


def exporter_of(view):
    (export,) = [child for child in view.children() if isinstance(child, PictureExport)]
    return export


def test_every_view_of_every_lab_has_the_controls(window, qtbot):
    views = 0
    for lab in LABS:
        widget = window.lab_widget(lab)
        for view in widget.findChildren(QGraphicsView):
            export = exporter_of(view)
            assert export.action.shortcut() == QKeySequence(SHORTCUT), (lab, view)
            assert export.button.parent() is view and export.button.defaultAction() is export.action
            assert export.action in view.actions()
            views += 1
    assert views >= 15  # curves, charts, the graph and the diagrams of six labs
    qtbot.wait(600)  # debounced previews some labs start on their own
    qtbot.waitUntil(lambda: not any(r.running for r in list(LIVE_RUNNERS)), timeout=60_000)


def test_the_graph_exports_whole_as_png_at_2x_and_as_svg_with_text(window, save_as, tmp_path):
    lab = window.show_tab("backprop")
    lab.prepare_screenshot("")  # mid-backward-pass: values and gradients on the nodes
    view = lab.explorer.view
    view.zoom(3.0)  # zoomed in: the export is still the whole graph
    export = exporter_of(view)
    save_as["path"] = str(tmp_path / "graph.png")
    QTest.mouseClick(export.button, Qt.MouseButton.LeftButton, pos=QPoint(4, export.button.height() // 2))
    image = QImage(str(tmp_path / "graph.png"))
    scene = view.scene().itemsBoundingRect()
    assert image.width() == pytest.approx(2 * (scene.width() + 24), abs=2)
    assert image.height() == pytest.approx(2 * (scene.height() + 24), abs=2)
    assert "graph.png" in window.statusBar().currentMessage()

    save_as["path"] = str(tmp_path / "graph.svg")
    view.setFocus()
    QTest.keySequence(view, QKeySequence(SHORTCUT))
    tree = ET.parse(tmp_path / "graph.svg")
    texts = {(element.text or "").strip() for element in tree.iter(f"{SVG}text")}
    assert {"f1", "w1", "tanh", "L", "= 0.1"} <= texts  # the labels are text, not outlines
    assert not list(tree.iter(f"{SVG}image"))  # and nothing is a bitmap


def test_a_plot_exports_from_its_context_menu_at_the_chosen_scale(window, save_as, tmp_path):
    lab = window.show_tab("backprop")
    lab.prepare_screenshot("race")
    view = lab.curves.layout_widget
    export = exporter_of(view)
    assert export.action in view.scene().contextMenu  # joins every plot's right-click menu
    assert export.file_stem() == "backprop-optimizer-race"  # the lab and its tab (a grid has no one title)
    save_as["path"] = str(tmp_path / "race")  # no ending: PNG
    export.action.trigger()
    image = QImage(str(tmp_path / "race.png"))
    target = lab.curves  # the plots with their decisions legend below
    assert (image.width(), image.height()) == (2 * target.width(), 2 * target.height())
    export.scale_actions[3].trigger()  # the button's menu: PNG at 3×
    save_as["path"] = str(tmp_path / "race3.png")
    export.action.trigger()
    assert QImage(str(tmp_path / "race3.png")).width() == 3 * target.width()
    save_as["path"] = str(tmp_path / "race.svg")
    export.action.trigger()
    tree = ET.parse(tmp_path / "race.svg")
    texts = {(element.text or "").strip() for element in tree.iter(f"{SVG}text")}
    assert {"epoch", "loss_sgd"} <= texts and not list(tree.iter(f"{SVG}image"))


def test_the_runs_comparison_exports_with_its_legend(window, tmp_store, save_as, tmp_path):
    for seed in (1, 2):
        run_id = tmp_store.start_run("counter", {"seed": seed}, seed, name=f"seed {seed}")
        tmp_store.add_epoch(run_id, 1, {"loss": 1.0})
        tmp_store.add_epoch(run_id, 2, {"loss": 0.5})
        tmp_store.finish_run(run_id, "finished")
    page = window.show_tab("runs")
    page.table.selectAll()
    export = exporter_of(page.curves.layout_widget)
    assert export.target is page.comparison and export.file_stem() == "runs-comparison"
    save_as["path"] = str(tmp_path / "compare.png")
    export.action.trigger()
    image = QImage(str(tmp_path / "compare.png"))
    assert image.height() == 2 * page.comparison.height() > 2 * page.curves.height()  # legend included


def test_a_failed_export_says_why(window, save_as, tmp_path):
    lab = window.show_tab("backprop")
    export = exporter_of(lab.explorer.view)
    save_as["path"] = str(tmp_path / "no such folder" / "graph.png")
    export.action.trigger()
    boxes = [b for b in window.findChildren(QMessageBox) if "Could not save" in b.text()]
    assert boxes and "no such folder" in boxes[0].text() and not boxes[0].isModal()
    assert not (tmp_path / "no such folder").exists()
    assert isinstance(export.button, QToolButton)
