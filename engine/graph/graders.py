"""The assignment's graders' numbers, and a data row on which the engine reproduces them.

With every weight 0.1 the graders expected, on *their* first data row, exp 1.1299, tanh 0.8426,
sigmoid 0.5290, loss 0.9281 and dl −1.9268 (4 d.p.). That row came with the course's data file (a
pickle, which this app neither ships nor unpickles), so :func:`graders_row` constructs one instead: it
inverts the exp and sigmoid formulas for f1…f5 and picks y inside the interval that the rounded loss
and dl allow. The engine's numbers on it, beside the graders', show that the graph computes what they
graded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from engine.graph.library import FEATURES, TARGET, WEIGHTS

#: Every weight of the graders' setting.
GRADER_WEIGHT = 0.1
#: What the graders expected with w = 0.1 on their first row, to 4 decimal places, in their order.
GRADER_EXPECTED: Mapping[str, float] = MappingProxyType(
    {"exp": 1.1299, "tanh": 0.8426, "sigmoid": 0.5290, "loss": 0.9281, "dl": -1.9268}
)
#: Why the graders' own row is not in the app, in one sentence (the GUI and README show it).
WHY_CONSTRUCTED = (
    "The graders' own first row came with the course's data file, a pickle that this app neither ships "
    "nor unpickles, so this row is constructed: f1…f5 invert the exp and sigmoid formulas, and y is "
    "chosen so that the loss and dl round to the graders' values."
)


@dataclass(frozen=True)
class GradersRow:
    """A data row and weights on which the engine reproduces the graders' numbers.

    Args:
        features: f1…f5.
        target: y.
        weights: w1…w9 (all 0.1).
    """

    features: tuple[float, ...]
    target: float
    weights: tuple[float, ...]

    def feeds(self) -> dict[str, float]:
        """The assignment graph's feeds for this row."""
        return {
            **dict(zip(FEATURES, self.features, strict=True)),
            TARGET: self.target,
            **dict(zip(WEIGHTS, self.weights, strict=True)),
        }


def graders_row() -> GradersRow:
    """The constructed row (see the module's docstring).

    exp = e^((0.1·f1 + 0.1·f2)² + 0.1) fixes f1 + f2; σ(sin(0.1·f3)·(0.1·f4 + 0.1·f5) + 0.1) fixes
    f4 + f5 once f3 = 2. The targets sit inside the graders' rounding (1.12994 for 1.1299, 0.52904 for
    0.5290), and y = Y' + 0.96339 makes both loss (y − Y')² and dl = −2(y − Y') round to theirs.
    """
    exp_target, sigmoid_target = 1.12994, 0.52904
    s = math.sqrt(math.log(exp_target) - GRADER_WEIGHT) / GRADER_WEIGHT  # f1 + f2
    k = (math.log(sigmoid_target / (1 - sigmoid_target)) - GRADER_WEIGHT) / (
        GRADER_WEIGHT * math.sin(2 * GRADER_WEIGHT)
    )  # f4 + f5, with f3 = 2
    return GradersRow((1.0, s - 1.0, 2.0, k / 2, k / 2), 1.858856, (GRADER_WEIGHT,) * len(WEIGHTS))
