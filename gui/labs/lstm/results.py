"""The LSTM lab's test view: ROC curve of each model's latest run on the test split and its numbers
(the warning when accuracy only matches the majority-class rate is the banner above every view,
:mod:`gui.labs.lstm.majority`). Every number comes from the run's ``LabResult``; nothing is recomputed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.jobs import LabResult
from gui.plots.charts import RocView


def model_name(result: LabResult) -> str:
    """``Model-1`` … ``Model-3``, from the diagram the run returned."""
    name = str(dict(result.extra).get("model_diagram", {}).get("name", "model"))
    return name.replace("_", "-").capitalize()


def result_rows(result: LabResult) -> list[tuple[str, str]]:
    """The lab's own rows for the Results table (formatted from ``extra``)."""
    extra: dict[str, Any] = dict(result.extra)
    rows = [
        ("model", model_name(result)),
        ("majority-class rate (test)", f"{extra['majority_rate']:.4f}"),
        ("best epoch (val AUC, weights restored for the test)", str(extra["best_epoch"])),
        ("essay embedding", str(extra["embedding"]["label"])),
        ("split sizes", " / ".join(f"{k} {v}" for k, v in extra["split_sizes"].items())),
        ("seconds per epoch", f"{extra['seconds_per_epoch']:.2f}"),
    ]
    band = dict(extra.get("idf", {})).get("band")
    if band:
        rows.append((
            "idf band (Model-2)",
            f"{band['low']:.2f} – {band['high']:.2f}: {band['vocabulary_after']} of "
            f"{band['vocabulary_before']} words, {100 * band['token_share_kept']:.0f} % of the text",
        ))  # fmt: skip
    if extra.get("accuracy_warning"):
        rows.append(("warning", str(extra["accuracy_warning"])))
    return rows


class RocPanel(QWidget):
    """ROC curves on the test split (one per model, newest run of each) with the test numbers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.numbers = QLabel("Run a model: its ROC curve on the test split appears here.")
        self.numbers.setWordWrap(True)
        self.numbers.setTextFormat(Qt.TextFormat.RichText)
        self.roc = RocView()
        self.roc.getPlotItem().setTitle("ROC on the test split (best validation-AUC weights)")
        box = QVBoxLayout(self)
        box.addWidget(self.numbers)
        box.addWidget(self.roc, 1)

    def show_result(self, result: LabResult) -> None:
        """Add (or replace) this model's ROC curve and show its test numbers."""
        extra: dict[str, Any] = dict(result.extra)
        test = dict(result.test)
        name = model_name(result)
        self.roc.set_curve(name, extra["roc"]["fpr"], extra["roc"]["tpr"], test["auc"])
        self.numbers.setText(
            f"<b>{name}</b> on the test split ({extra['split_sizes']['test']} projects, used once): "
            f"<b>AUC {test['auc']:.3f}</b> · accuracy {test['accuracy']:.3f} against a majority-class "
            f"rate of {test['majority_rate']:.3f} · loss {test['loss']:.3f} · weights of epoch "
            f"{extra['best_epoch']} (best validation AUC)"
        )
