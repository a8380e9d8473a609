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
    """Project ``embeddings`` on their top-2 principal components.

    The components are fitted on all rows, from the covariance matrix accumulated a chunk at a time in
    float64: memory stays ``hidden × hidden`` whatever the number of reviews (an SVD of the centred
    data would copy 100,000 × 384 embeddings three times). At most ``max_points`` (a seeded sample)
    are returned, which is plenty for a scatter plot.
    """
    x = np.asarray(embeddings)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"PCA needs at least 2 embeddings in a 2-D array, got shape {x.shape}")
    chunk = 8192
    mean = np.zeros(x.shape[1])
    for start in range(0, len(x), chunk):
        mean += x[start : start + chunk].sum(axis=0, dtype=np.float64)
    mean /= len(x)
    scatter = np.zeros((x.shape[1], x.shape[1]))
    for start in range(0, len(x), chunk):
        centred_part = x[start : start + chunk].astype(np.float64) - mean
        scatter += centred_part.T @ centred_part
    variance, vectors = np.linalg.eigh(scatter)  # ascending
    variance, vectors = np.clip(variance[::-1], 0.0, None), vectors[:, ::-1]
    top = vectors[:, :2].T
    # Fix each axis's sign (an eigenvector's is arbitrary) so the plot does not flip from run to run.
    signs = np.sign(top[np.arange(len(top)), np.argmax(np.abs(top), axis=1)])
    components = top * np.where(signs == 0, 1.0, signs)[:, None]
    explained = np.zeros(2)
    if variance.sum() > 0:
        explained[: min(2, len(variance))] = variance[:2] / variance.sum()
    keep = np.arange(len(x))
    if len(x) > max_points:
        keep = np.sort(np.random.default_rng(seed).choice(len(x), max_points, replace=False))
    points = (x[keep].astype(np.float64) - mean) @ components.T
    if points.shape[1] < 2:  # a 1-D embedding: pad the second axis
        points = np.pad(points, ((0, 0), (0, 2 - points.shape[1])))
    return Projection(points, np.asarray(labels)[keep], (float(explained[0]), float(explained[1])))


def predicted_counts(probabilities: np.ndarray, threshold: float = 0.5) -> dict[str, int]:
    """How many reviews are predicted negative / positive at ``threshold``."""
    positive = int(np.sum(np.asarray(probabilities) >= threshold))
    return {CLASS_NAMES[0]: int(len(probabilities) - positive), CLASS_NAMES[1]: positive}
