"""Numbers the BERT lab shows, computed once here: 2-D PCA of embeddings, predicted class counts.

Plain numpy (no TensorFlow), so the GUI could call it too, but it only formats what ``run`` returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.labs.bert.data import CLASS_NAMES


@dataclass(frozen=True)
class Projection:
    """Embeddings projected on their first two principal components.

    Attributes:
        points: ``[n, 2]`` coordinates.
        labels: The label of each point (0/1).
        explained: Share of the total variance along each of the two axes.
    """

    points: np.ndarray
    labels: np.ndarray
    explained: tuple[float, float]

    def as_json(self) -> dict[str, object]:
        """Plain lists for ``LabResult.extra`` (rounded: they are only drawn)."""
        return {
            "points": np.round(self.points, 5).tolist(),
            "labels": [int(v) for v in self.labels],
            "explained_variance": [round(e, 5) for e in self.explained],
        }


def pca_2d(embeddings: np.ndarray, labels: np.ndarray, max_points: int = 1000, seed: int = 0) -> Projection:
    """Project ``embeddings`` on their top-2 principal components (SVD of the centred data).

    The components are fitted on all rows; at most ``max_points`` (a seeded sample) are returned,
    which is plenty for a scatter plot.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"PCA needs at least 2 embeddings in a 2-D array, got shape {x.shape}")
    centred = x - x.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    # Fix each axis's sign (SVD's is arbitrary) so the plot does not flip from run to run.
    signs = np.sign(vt[:2, np.argmax(np.abs(vt[:2]), axis=1)].diagonal())
    components = vt[:2] * np.where(signs == 0, 1.0, signs)[:, None]
    variance = singular**2
    explained = np.zeros(2)
    if variance.sum() > 0:
        explained[: min(2, len(variance))] = variance[:2] / variance.sum()
    keep = np.arange(len(x))
    if len(x) > max_points:
        keep = np.sort(np.random.default_rng(seed).choice(len(x), max_points, replace=False))
    points = centred[keep] @ components.T
    if points.shape[1] < 2:  # a 1-D embedding: pad the second axis
        points = np.pad(points, ((0, 0), (0, 2 - points.shape[1])))
    return Projection(points, np.asarray(labels)[keep], (float(explained[0]), float(explained[1])))


def predicted_counts(probabilities: np.ndarray, threshold: float = 0.5) -> dict[str, int]:
    """How many reviews are predicted negative / positive at ``threshold``."""
    positive = int(np.sum(np.asarray(probabilities) >= threshold))
    return {CLASS_NAMES[0]: int(len(probabilities) - positive), CLASS_NAMES[1]: positive}
