"""The shared model diagram: parallel branches side by side under their parent, a merge centred below
them, a long chain wrapped into columns when one column would be too small, a legend of what is drawn."""

from __future__ import annotations

import pytest

from gui.widgets.model_diagram import BOX_WIDTH, ModelDiagramView


def layer(name, kind, shape, inputs=(), trainable=0, frozen=0):
    return {"name": name, "type": kind, "branch": "x", "role": "branch", "shape": shape,
            "trainable_params": trainable, "frozen_params": frozen, "inputs": list(inputs)}  # fmt: skip


def diagram(layers):
    return {
        "name": "hand_made",
        "layers": layers,
        "branches": [x["name"] for x in layers if x["type"] == "InputLayer"],
        "trainable_params": sum(x["trainable_params"] for x in layers),
        "frozen_params": sum(x["frozen_params"] for x in layers),
    }


@pytest.fixture
def view(qtbot):
    widget = ModelDiagramView()
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_parallel_convolutions_sit_side_by_side_and_the_merge_below_their_middle(view):
    layers = [
        layer("tokens", "InputLayer", [None, 40]),
        layer("embedding", "Embedding", [None, 40, 8], ["tokens"], frozen=800),
        *(layer(f"conv_k{k}", "Conv1D", [None, 40, 4], ["embedding"], trainable=100) for k in (3, 4, 5)),
        layer("concat", "Concatenate", [None, 40, 12], ["conv_k3", "conv_k4", "conv_k5"]),
        layer("classes", "Dense", [None, 20], ["concat"], trainable=260),
    ]
    view.set_diagram(diagram(layers), "hand-made")
    boxes = view.boxes
    convs = [boxes[f"conv_k{k}"] for k in (3, 4, 5)]
    assert len({box.y() for box in convs}) == 1 and convs[0].y() > boxes["embedding"].y()
    assert convs[0].x() + BOX_WIDTH < convs[1].x() and convs[1].x() + BOX_WIDTH < convs[2].x()
    assert convs[1].x() == pytest.approx(boxes["embedding"].x())  # the fan-out is centred on its parent
    assert boxes["concat"].x() == pytest.approx(convs[1].x()) and boxes["concat"].y() > convs[0].y()
    assert boxes["classes"].y() > boxes["concat"].y() and view.segments == [range(0, 5)]
    assert len(view._arrows) == 1 + 3 + 3 + 1
    assert "FROZEN 800" in boxes["embedding"].text.toPlainText()
    assert "260 trainable" in boxes["classes"].text.toPlainText()
    legend = view.legend.text()
    assert "frozen" in legend and "merge" in legend and "output" in legend and "dense" not in legend
    assert view.summary.text() == "hand_made: 7 layers, 1,360 parameters = 560 trainable + 800 frozen"
    assert view.status.text() == "hand-made"


def test_a_long_chain_wraps_into_columns_that_read_left_to_right(view, qtbot):
    chain = [layer("image", "InputLayer", [None, 64, 64, 3])]
    for i in range(24):
        chain.append(layer(f"conv{i}", "Conv2D", [None, 8, 8, 16], [chain[-1]["name"]], trainable=10))
    view.set_diagram(diagram(chain), "a VGG-like chain")
    assert len(view.segments) > 1 and view.segments[0].start == 0 and view.segments[-1].stop == 25
    firsts = [view.boxes[f"conv{s.start - 1}" if s.start else "image"] for s in view.segments]
    assert [box.x() for box in firsts] == sorted(box.x() for box in firsts)
    assert all(box.y() == 0 for box in firsts)  # each column starts at the top
    assert len(view._arrows) == 24
    scale = view.view.transform().m11()
    assert scale >= 0.8  # readable, where one column would have drawn it at well under half size
    view.resize(300, 2400)  # a tall, narrow view: one column fits best again
    qtbot.waitUntil(lambda: len(view.segments) == 1)
