"""The callbacks lab's models: input (2) → hidden Dense layers → Dense(1, sigmoid), binary cross-entropy.

Model-1…4 differ only in activation, initializer and optimizer (the assignment's presets); every
field stays editable, so a :class:`DenseConfig` is the single description a model is built from.
Keras is imported inside :func:`build_dense_model` so this module stays cheap to import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACTIVATIONS = ("tanh", "relu", "elu", "selu", "sigmoid", "leaky_relu")
INITIALIZERS = ("random_uniform_0_1", "he_uniform", "he_normal", "glorot_uniform", "glorot_normal")
OPTIMIZERS = ("sgd_momentum", "sgd", "adam", "rmsprop")


@dataclass(frozen=True)
class DenseConfig:
    """Everything that defines one of the lab's models.

    Args:
        widths: Units of each hidden layer (the assignment uses five).
        activation: Hidden-layer activation, one of :data:`ACTIVATIONS`.
        initializer: Kernel initializer, one of :data:`INITIALIZERS`; ``random_uniform_0_1`` is
            ``RandomUniform(0, 1)``, the all-positive initializer of Model-1 and Model-2.
        optimizer: One of :data:`OPTIMIZERS`.
        learning_rate: Initial learning rate.
        momentum: Momentum of ``sgd_momentum`` (ignored by the others).
    """

    widths: tuple[int, ...]
    activation: str
    initializer: str
    optimizer: str
    learning_rate: float
    momentum: float = 0.9

    def __post_init__(self) -> None:
        if not self.widths or any(w < 1 for w in self.widths):
            raise ValueError(f"widths must be one or more positive layer sizes, got {self.widths!r}")
        for name, value, allowed in (
            ("activation", self.activation, ACTIVATIONS),
            ("initializer", self.initializer, INITIALIZERS),
            ("optimizer", self.optimizer, OPTIMIZERS),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")


@dataclass(frozen=True)
class ModelPreset:
    """What the model picker fills in: the assignment's choice for one model and why."""

    activation: str
    initializer: str
    optimizer: str
    note: str


#: Model-1…4 as the assignment defines them (Model-4 is our free choice).
PRESETS: dict[int, ModelPreset] = {
    1: ModelPreset("tanh", "random_uniform_0_1", "sgd_momentum", "tanh, SGD+momentum, RandomUniform(0, 1)"),
    2: ModelPreset("relu", "random_uniform_0_1", "sgd_momentum", "relu, SGD+momentum, RandomUniform(0, 1)"),
    3: ModelPreset("relu", "he_uniform", "sgd_momentum", "relu, SGD+momentum, he_uniform"),
    4: ModelPreset("elu", "he_normal", "adam", "free choice: elu, Adam, he_normal"),
}

DEFAULT_WIDTHS = (32, 32, 16, 16, 8)


def preset(model: int) -> ModelPreset:
    """The preset of Model-``model`` (1–4).

    Raises:
        ValueError: For any other number.
    """
    try:
        return PRESETS[model]
    except KeyError:
        raise ValueError(f"model must be 1, 2, 3 or 4, got {model!r}") from None


def _initializer(keras: Any, name: str, seed: int) -> Any:
    if name == "random_uniform_0_1":
        return keras.initializers.RandomUniform(minval=0.0, maxval=1.0, seed=seed)
    return keras.initializers.get({"class_name": name, "config": {"seed": seed}})


def _optimizer(keras: Any, config: DenseConfig) -> Any:
    if config.optimizer == "sgd_momentum":
        return keras.optimizers.SGD(learning_rate=config.learning_rate, momentum=config.momentum)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=config.learning_rate)
    if config.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=config.learning_rate)
    return keras.optimizers.RMSprop(learning_rate=config.learning_rate)


def build_dense_model(config: DenseConfig, seed: int = 0) -> Any:
    """Build and compile the model described by ``config``.

    Each layer's initializer gets its own seed (``seed + layer index``) so layers differ but the
    whole model is the same for the same seed. The accuracy metric is given as the string
    ``"accuracy"``, which Keras resolves to binary accuracy for a sigmoid output; a bare
    ``Accuracy()`` object compares probabilities with labels for equality and stays near 0.

    Returns:
        A compiled ``keras.Model`` with metrics ``accuracy``.
    """
    from engine import tfrt

    keras = tfrt.keras()
    with tfrt.strategy().scope():
        layers = [keras.Input(shape=(2,), name="features")]
        for i, width in enumerate(config.widths, start=1):
            layers.append(
                keras.layers.Dense(
                    width,
                    activation=config.activation,
                    kernel_initializer=_initializer(keras, config.initializer, seed + i),
                    name=f"hidden_{i}",
                )
            )
        layers.append(
            keras.layers.Dense(
                1,
                activation="sigmoid",
                kernel_initializer=_initializer(keras, config.initializer, seed + len(config.widths) + 1),
                name="output",
            )
        )
        model = keras.Sequential(layers, name="dense_model")
        model.compile(optimizer=_optimizer(keras, config), loss="binary_crossentropy", metrics=["accuracy"])
    return model
