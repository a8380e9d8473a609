"""The transfer lab's exercises: which layers train in Models 1–3, and the shapes through the
conv-as-FC head of Models 2–3, graded without building a network.

Our answers: :func:`engine.labs.transfer.models.frozen_names` (what ``build_model`` freezes) and
the shape rules of VGG-16's pooling and of valid/1×1 convolutions (a test holds them to Keras's
own shapes). Task texts: ``resources/labs/transfer/exercises/<name>.md``.
"""

from __future__ import annotations

from engine.labs.transfer.models import FINE_TUNED_LAYERS, VGG_BLOCKS, frozen_names
from engine.practice import compare
from engine.practice.exercise import Case, Exercise, KnownMistake, LabExercises

#: VGG-16 without its top, layer by layer, as Keras names them.
VGG_LAYERS: tuple[str, ...] = (
    "input_layer",
    *(
        name
        for block, convs in enumerate(VGG_BLOCKS, start=1)
        for name in (*(f"block{block}_conv{k}" for k in range(1, convs + 1)), f"block{block}_pool")
    ),
)
#: The heads' layers (``engine.labs.transfer.models.build_model``).
HEADS: dict[int, tuple[str, ...]] = {
    1: ("new_conv", "new_pool", "flatten", "dense_1", "dense_2", "output"),
    2: ("fc1_as_conv", "fc2_as_conv", "output_conv", "flatten", "output"),
    3: ("fc1_as_conv", "fc2_as_conv", "output_conv", "flatten", "output"),
}


def trainable_layers(layer_names: list[str], model: int) -> list[str]:
    """Our answer: every layer but the frozen VGG-16 ones, in order."""
    frozen = set(frozen_names(list(layer_names), model))
    return [name for name in layer_names if name not in frozen]


def _last_convolutions(layer_names: list[str], model: int) -> list[str]:
    convs = [n for n in layer_names if "_conv" in n and n.startswith("block")]
    tuned = set(convs[-FINE_TUNED_LAYERS:]) if model == 3 else set()
    return [n for n in layer_names if n in tuned or n not in VGG_LAYERS]


TRAINABLE = Exercise(
    name="trainable_layers",
    title="What trains in Models 1–3",
    signature="layer_names, model",
    doc="""The names of the layers that train in Model-`model` (1, 2 or 3), in order.

layer_names: every layer of the model, VGG-16's first ("input_layer", "block1_conv1", …,
"block5_pool"), then the new head's. Models 1 and 2 freeze all of VGG-16; Model-3 also trains
VGG-16's last 6 layers (counting every layer, pools included). The head always trains.""",
    reference=trainable_layers,
    cases=lambda: [Case((list(VGG_LAYERS + HEADS[m]), m), label=f"Model-{m}") for m in (1, 2, 3)],
    check=compare.equal(),
    mistakes=(
        KnownMistake(
            "last_six_of_whole_model",
            "model.layers[-6:] of the whole model counts the head: the last 6 of VGG-16 are meant",
            lambda names, model: (
                [n for n in names if n not in VGG_LAYERS]
                + ([n for n in names[-FINE_TUNED_LAYERS:] if n in VGG_LAYERS] if model == 3 else [])
            ),
        ),
        KnownMistake(
            "last_six_convolutions",
            "the last 6 convolutions instead of the last 6 layers (the pools count)",
            _last_convolutions,
        ),
    ),
)


# --- shapes through the conv-as-FC head ------------------------------------------------------------


def head_shapes(image_size: int, units: int, n_classes: int = 16) -> list[list[int]]:
    """Our answer: (height, width, channels) after block5_pool, fc1_as_conv, fc2_as_conv, output_conv."""
    side = image_size
    for _ in VGG_BLOCKS:  # each block ends in a 2×2 max-pool, stride 2, 'valid': the floor of half
        side //= 2
    return [[side, side, 512], [1, 1, units], [1, 1, units], [1, 1, n_classes]]


def _shapes_ceil(image_size: int, units: int, n_classes: int = 16) -> list[list[int]]:
    side = image_size
    for _ in VGG_BLOCKS:
        side = -(-side // 2)
    return [[side, side, 512], [1, 1, units], [1, 1, units], [1, 1, n_classes]]


def _shapes_same_padding(image_size: int, units: int, n_classes: int = 16) -> list[list[int]]:
    side = head_shapes(image_size, units, n_classes)[0][0]
    return [[side, side, 512], [side, side, units], [side, side, units], [side, side, n_classes]]


HEAD_SHAPES = Exercise(
    name="head_shapes",
    title="Shapes through the conv-as-FC head",
    signature="image_size, units, n_classes=16",
    doc="""The output shapes (height, width, channels) of four layers of Model-2 for square
image_size × image_size inputs, as lists: VGG-16's block5_pool; fc1_as_conv, a Conv2D(units)
whose kernel is block5_pool's whole height × width with 'valid' padding (an FC layer written as a
convolution); fc2_as_conv, a 1×1 Conv2D(units); output_conv, a 1×1 Conv2D(n_classes).
VGG-16's five blocks each end in a 2×2 max-pool with stride 2 and 'valid' padding.""",
    reference=head_shapes,
    cases=lambda: [
        Case((size, units), label=f"{size} px, {units} units")
        for size, units in ((224, 256), (64, 128), (100, 64), (150, 32))
    ],
    check=compare.equal(),
    mistakes=(
        KnownMistake(
            "pool_rounds_up", "a 'valid' 2×2 pool rounds odd sizes down (100 px → 3, not 4)", _shapes_ceil
        ),
        KnownMistake(
            "same_padding_fc",
            "with 'same' padding the first conv keeps the spatial size: it is no FC layer",
            _shapes_same_padding,
        ),
    ),
)

EXERCISES = LabExercises("transfer", (TRAINABLE, HEAD_SHAPES), preamble="")


def keras_head_shapes(image_size: int, units: int, n_classes: int = 16) -> list[list[int]]:
    """The same four shapes read off a Keras Model-2 (for the test that holds our answer to Keras)."""
    from engine.labs.transfer.models import build_model, vgg16_base

    model = build_model(2, vgg16_base(image_size), n_classes, units)
    names = ("block5_pool", "fc1_as_conv", "fc2_as_conv", "output_conv")
    return [[int(d) for d in model.get_layer(n).output.shape[1:]] for n in names]
