import numpy as np

from gui.plots.charts import BarChart, ConfusionMatrixView, HistogramView, RocView, ScatterView


def test_confusion_matrix_writes_each_nonzero_count(qtbot):
    view = ConfusionMatrixView()
    qtbot.addWidget(view)
    view.set_matrix([[5, 1, 0], [0, 3, 2], [1, 0, 4]], ["a", "b", "c"])
    assert sorted(t.toPlainText() for t in view._texts) == sorted(["5", "1", "3", "2", "1", "4"])
    view.set_matrix([[1, 0], [0, 1]], ["x", "y"])
    assert len(view._texts) == 2 and view.matrix.shape == (2, 2)


def test_bar_histogram_roc_scatter_take_engine_data(qtbot):
    bars = BarChart("F1 per class")
    qtbot.addWidget(bars)
    bars.set_bars(["a", "b"], [0.5, 0.75], ["#ff0000", "#00ff00"])
    assert bars.values == [0.5, 0.75]
    hist = HistogramView("weights")
    qtbot.addWidget(hist)
    hist.set_histogram("dense", [0, 1, 2, 3], [4, 5, 6])
    _, y = hist.curves["dense"].getData()
    assert list(y) == [4, 5, 6]
    roc = RocView()
    qtbot.addWidget(roc)
    roc.set_curve("test", [0, 0.5, 1], [0, 0.8, 1], 0.65)
    roc.set_curve("test", [0, 1], [0, 1], 0.5)
    assert len(roc.curves) == 1
    scatter = ScatterView("PCA")
    qtbot.addWidget(scatter)
    scatter.set_points(np.zeros((4, 2)), [0, 1, 1, 0], {0: "negative", 1: "positive"})
    assert [item.name() for item in scatter.items] == ["negative", "positive"]
