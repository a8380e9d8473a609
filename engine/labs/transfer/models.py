"""VGG-16 transfer models for document images: backbone weights, Models 1–3, and the frozen map.

Each model is one flat functional graph (the VGG-16 layers followed by the head), so the layers that
stay frozen can be cut off as a feature extractor and the rest trained on cached features, sharing the
very same layer objects. TensorFlow/Keras are imported inside the functions (importing this module
is cheap).

- Model-1: frozen VGG-16 → Conv2D + MaxPool → Dense → Dense → Dense(16, softmax).
- Model-2: frozen VGG-16 → FC layers written as convolutions: Conv2D(K, spatial size, valid) is an FC
  layer of K units over the whole feature volume, Conv2D(K', 1×1) the next FC → Conv2D(16, 1×1) → softmax.
- Model-3: Model-2 with the last 6 VGG-16 layers trainable (fine-tuning).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: VGG-16's conv layers per block, as Keras names them (``blockN_convK``).
VGG_BLOCKS: tuple[int, ...] = (2, 2, 3, 3, 3)
#: Model-3 fine-tunes this many of VGG-16's last layers (block4_conv3 … block5_pool).
FINE_TUNED_LAYERS = 6


class WeightsFileError(ValueError):
    """A weights file does not fit VGG-16; the message names the file, the layer and the shapes."""


class FrozenCheckError(RuntimeError):
    """A layer meant to be frozen still has trainable weights (the original lab's pitfall)."""


def vgg16_base(image_size: int) -> Any:
    """VGG-16 without its FC layers and without weights, for ``image_size²`` RGB input (≥ 32 px)."""
    from engine import tfrt

    keras = tfrt.keras()
    return keras.applications.VGG16(weights=None, include_top=False, input_shape=(image_size, image_size, 3))


def _hed_group(block: int, conv: int) -> str:
    return f"block{block}/layers/conv2d" + (f"_{conv - 1}" if conv > 1 else "")


def is_hed_layout(path: str | Path) -> bool:
    """Whether an HDF5 file holds VGG-16 convs in the HED package's layout (``blockN/layers/conv2d…``)."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            return _hed_group(1, 1) + "/vars/0" in f
    except OSError:
        return False


def read_hed_conv_weights(path: str | Path) -> dict[str, tuple[Any, Any]]:
    """The 13 conv layers' (kernel, bias) from an HED weights file, keyed ``blockN_convK``.

    Only reads arrays with h5py; the package's own code is never run.

    Raises:
        WeightsFileError: The file is not HDF5 or lacks a layer.
    """
    import h5py

    weights: dict[str, tuple[Any, Any]] = {}
    try:
        with h5py.File(path, "r") as f:
            for block, convs in enumerate(VGG_BLOCKS, start=1):
                for conv in range(1, convs + 1):
                    group = _hed_group(block, conv)
                    if f"{group}/vars/0" not in f or f"{group}/vars/1" not in f:
                        raise WeightsFileError(f"{path}: no kernel/bias at {group}/vars/0,1")
                    weights[f"block{block}_conv{conv}"] = (f[f"{group}/vars/0"][()], f[f"{group}/vars/1"][()])
    except OSError as exc:
        raise WeightsFileError(f"{path}: not an HDF5 weights file ({exc})") from None
    return weights


def copy_hed_weights(base: Any, path: str | Path) -> list[str]:
    """Copy an HED file's conv weights into a Keras VGG-16 (``blockN_conv1…3``) with exact shape checks.

    Returns:
        The names of the 13 layers that were set.

    Raises:
        WeightsFileError: A layer is missing or a shape differs (file, layer and both shapes named).
    """
    copied = []
    for name, (kernel, bias) in read_hed_conv_weights(path).items():
        layer = base.get_layer(name)
        expected = [tuple(w.shape) for w in layer.weights]
        if [kernel.shape, bias.shape] != expected:
            raise WeightsFileError(
                f"{path}: {name} has kernel/bias {kernel.shape}/{bias.shape}, VGG-16 expects "
                f"{expected[0]}/{expected[1]}"
            )
        layer.set_weights([kernel, bias])
        copied.append(name)
    return copied


def load_backbone_weights(base: Any, path: str | Path) -> str:
    """Load a weights file into the VGG-16 base: HED layout, or a Keras VGG-16 (no-top) weights file.

    Returns:
        A short description of what was loaded.

    Raises:
        WeightsFileError: The file cannot be read or does not match VGG-16.
    """
    file = Path(path)
    if not file.is_file():
        raise WeightsFileError(f"{file}: weights file not found")
    if not file.name.endswith((".h5", ".hdf5")):
        raise WeightsFileError(f"{file}: expected an HDF5 weights file (.h5 or .weights.h5)")
    if is_hed_layout(file):
        copy_hed_weights(base, file)
        return "13 VGG-16 conv layers (HED layout)"
    try:
        base.load_weights(str(file))
    except Exception as exc:  # Keras raises many types for a file that does not fit
        raise WeightsFileError(f"{file}: does not fit VGG-16 without top ({exc})") from None
    return "Keras VGG-16 weights file"


def build_model(number: int, base: Any, n_classes: int = 16, units: int = 256) -> Any:
    """Model-``number`` (1, 2 or 3) on top of ``base``, with the right layers frozen.

    Args:
        number: 1, 2 or 3 as in the assignment.
        base: The VGG-16 base (its weights already loaded).
        n_classes: Output classes. Defaults to 16.
        units: Width of the new conv/dense layers (K and K' of Model-2). Defaults to 256.

    Returns:
        A flat functional Keras model (VGG-16 layers then the head), not compiled.
    """
    from engine import tfrt

    keras = tfrt.keras()
    layers = keras.layers
    x = base.output
    if number == 1:
        x = layers.Conv2D(units, 3, padding="same", activation="relu", name="new_conv")(x)
        x = layers.MaxPooling2D(2, padding="same", name="new_pool")(x)
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(units, activation="relu", name="dense_1")(x)
        x = layers.Dense(units // 2, activation="relu", name="dense_2")(x)
        out = layers.Dense(n_classes, activation="softmax", name="output")(x)
    elif number in (2, 3):
        spatial = tuple(int(d) for d in x.shape[1:3])
        x = layers.Conv2D(units, spatial, padding="valid", activation="relu", name="fc1_as_conv")(x)
        x = layers.Conv2D(units, 1, activation="relu", name="fc2_as_conv")(x)
        x = layers.Conv2D(n_classes, 1, name="output_conv")(x)
        x = layers.Flatten(name="flatten")(x)
        out = layers.Softmax(name="output")(x)
    else:
        raise ValueError(f"model must be 1, 2 or 3, got {number}")
    model = keras.Model(base.input, out, name=f"model_{number}")
    frozen = set(frozen_layer_names(model, number))
    for layer in model.layers:
        if _is_vgg(layer.name):
            layer.trainable = layer.name not in frozen
    return model


def _is_vgg(name: str) -> bool:
    return name.startswith(("block", "input"))


def frozen_names(layer_names: list[str], number: int) -> list[str]:
    """Of a model's layer names, the VGG-16 ones Model-``number`` keeps frozen: all of them, or all but
    the last 6 for Model-3 (no Keras needed: the practice exercise grades against this)."""
    vgg = [name for name in layer_names if _is_vgg(name)]
    return vgg[: len(vgg) - FINE_TUNED_LAYERS] if number == 3 else vgg


def frozen_layer_names(model: Any, number: int) -> list[str]:
    """The VGG-16 layers Model-``number`` must keep frozen: all of them, or all but the last 6 for Model-3."""
    return frozen_names([layer.name for layer in model.layers], number)


@dataclass(frozen=True)
class LayerRow:
    """One row of the frozen/trainable map."""

    name: str
    kind: str
    part: str  # "VGG-16" or "head"
    trainable: bool
    params: int
    trainable_params: int
    output_shape: tuple[int | None, ...]


def layer_map(model: Any) -> list[LayerRow]:
    """Every layer with its part, trainable flag and parameter counts, counted from the weights."""
    rows = []
    for layer in model.layers:
        params = sum(int(_size(w)) for w in layer.weights)
        trainable = sum(int(_size(w)) for w in layer.trainable_weights)
        shape = tuple(layer.output.shape) if hasattr(layer, "output") else ()
        part = "VGG-16" if _is_vgg(layer.name) else "head"
        rows.append(
            LayerRow(layer.name, type(layer).__name__, part, layer.trainable, params, trainable, shape)
        )
    return rows


def _size(weight: Any) -> int:
    n = 1
    for d in weight.shape:
        n *= int(d)
    return n


def check_frozen(model: Any, number: int) -> dict[str, int]:
    """Check that the layers Model-``number`` must freeze have zero trainable weights; count parameters.

    The original lab's base was "frozen" yet its summary showed 0 non-trainable parameters; this
    counts the weights Keras will actually update, layer by layer.

    Returns:
        ``total``, ``trainable``, ``non_trainable`` and ``frozen_vgg`` parameter counts.

    Raises:
        FrozenCheckError: Names the first layer that should be frozen but would train.
    """
    rows = {row.name: row for row in layer_map(model)}
    for name in frozen_layer_names(model, number):
        if rows[name].trainable_params:
            raise FrozenCheckError(
                f"{name} should be frozen in Model-{number} but has {rows[name].trainable_params:,} "
                "trainable parameters"
            )
    total = sum(row.params for row in rows.values())
    trainable = sum(int(_size(w)) for w in model.trainable_weights)
    if trainable == 0:
        raise FrozenCheckError(f"Model-{number} has nothing to train")
    frozen_vgg = sum(rows[name].params for name in frozen_layer_names(model, number))
    return {
        "total": total,
        "trainable": trainable,
        "non_trainable": total - trainable,
        "frozen_vgg": frozen_vgg,
    }


def split_at_first_trainable(model: Any) -> tuple[Any, Any, str]:
    """Cut the model before its first trainable layer.

    Returns:
        ``(extractor, tail, cut)``: the frozen prefix (input → output of layer ``cut``), and a model from
        that output to the prediction built from the same layer objects, so training the tail trains
        the full model.
    """
    from engine import tfrt

    keras = tfrt.keras()
    layers = model.layers
    first = next(i for i, layer in enumerate(layers) if layer.trainable and layer.weights)
    cut = layers[first - 1]
    extractor = keras.Model(model.input, cut.output, name="frozen_features")
    inputs = keras.Input(shape=tuple(cut.output.shape[1:]), name="cached_features")
    x = inputs
    for layer in layers[first:]:
        x = layer(x)
    return extractor, keras.Model(inputs, x, name=f"{model.name}_trainable_part"), cut.name
