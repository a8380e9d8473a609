"""Lab widgets by lab id: ``gui/labs/<id>.py`` defines ``WIDGET`` (a TrainingLabWidget subclass);
a lab without its own module gets the generic :class:`~gui.widgets.training_lab.TrainingLabWidget`."""

from __future__ import annotations

import importlib

from engine.jobs import LabSpec
from engine.runs import RunStore
from gui.widgets.training_lab import TrainingLabWidget


def widget_class_for(lab_id: str) -> type[TrainingLabWidget]:
    """The widget class of a lab."""
    try:
        module = importlib.import_module(f"gui.labs.{lab_id}")
    except ModuleNotFoundError as exc:
        if exc.name != f"gui.labs.{lab_id}":
            raise
        return TrainingLabWidget
    widget: type[TrainingLabWidget] = module.WIDGET
    return widget


def make_lab_widget(spec: LabSpec, store: RunStore | None) -> TrainingLabWidget:
    """Build the tab for a lab; every plot and drawing in it can be exported as PNG/SVG."""
    from gui.picture_export import add_picture_export

    widget = widget_class_for(spec.id)(spec, store)
    add_picture_export(widget)
    return widget
