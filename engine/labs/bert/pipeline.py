"""The BERT lab's steps, in order: data → encoder → checked inputs → embeddings → head → test → predict.

Imported by :func:`engine.labs.bert.run` inside the job (it imports TensorFlow).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine import metrics, tfrt
from engine.jobs import ArtifactSaved, CancelToken, Emit, LabResult, LogLine, Marker
from engine.labs.bert import Params
from engine.labs.bert.analysis import pca_2d, predicted_counts
from engine.labs.bert.checks import all_passed, check_model_inputs, checks_json
from engine.labs.bert.corpus import default_new_reviews, default_reviews
from engine.labs.bert.data import ReviewSplit, clean_text, counts_of, load_reviews, read_texts
from engine.labs.bert.embeddings import Encoder, cache_path, embed_texts, load_encoder
from engine.labs.bert.head import HeadConfig, load_head, predict_proba, train_head
from engine.model_diagram import describe_model
from engine.paths import cache_dir
from engine.tensorboard_logs import run_log_dir

#: The run's result carries the new-reviews texts whole (the GUI tokenizes the one a learner picks) while
#: they add up to at most this many characters, ~1 MB of JSON; the assignment's 352-review test file is
#: far below. A larger file's texts are shortened for display (flagged ``texts_shortened``).
FULL_TEXTS_BUDGET = 1_000_000
SHORT_TEXT = 300


def _binary_cross_entropy(labels: np.ndarray, probs: np.ndarray) -> float:
    p = np.clip(probs.astype(np.float64), 1e-7, 1 - 1e-7)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


def _data(params: Params, token: CancelToken, emit: Emit) -> tuple[ReviewSplit, Path]:
    path = Path(params.data_path).expanduser() if params.data_path else default_reviews()
    split = load_reviews(
        path,
        params.sample_size,
        params.seed,
        params.test_fraction,
        params.val_fraction,
        token=token,
        emit=emit,
    )
    counts = split.class_counts
    emit(LogLine(f"Reviews from {path}: {counts['kept']} kept after the filters, dropped {split.dropped}"))
    emit(
        LogLine(
            f"Sample {counts['sample']}; train {counts['train']}, val {counts['val']}, test {counts['test']}"
        )
    )
    return split, path


def _check_inputs(
    encoder: Encoder, texts: Sequence[str], max_len: int, token: CancelToken, emit: Emit
) -> list[dict[str, object]]:
    tokenizer = encoder.tokenizer
    inputs = tokenizer.encode(list(texts), max_len, token=token, emit=emit)
    checks = check_model_inputs(inputs, max_len, tokenizer.cls_id, tokenizer.sep_id)
    verdict = "pass" if all_passed(checks) else "FAIL"
    emit(
        LogLine(
            f"Grader checks on {len(inputs['input_mask'])} tokenized reviews: {verdict}",
            "info" if verdict == "pass" else "error",
        )
    )
    for check in checks:
        if not check.passed:
            emit(LogLine(f"check '{check.name}' failed: {check.detail}", "error"))
    return checks_json(checks)


def _embed(
    encoder: Encoder, texts: Sequence[str], params: Params, token: CancelToken, emit: Emit
) -> np.ndarray:
    vectors, hit = embed_texts(
        encoder, texts, params.max_len, params.pooling, params.embed_batch_size, token, emit, params.use_cache
    )
    where = "read from the cache" if hit else "computed" + (" and cached" if params.use_cache else "")
    emit(LogLine(f"{len(texts)} embeddings {where}: shape {vectors.shape}"))
    return vectors


def predict_reviews(
    head_path: str | Path,
    texts: Sequence[str],
    encoder_path: str = "",
    max_len: int = 55,
    pooling: str = "pooled",
    threshold: float = 0.5,
    token: CancelToken | None = None,
    emit: Emit | None = None,
) -> dict[str, Any]:
    """The prediction pipeline: texts → tokens → embeddings → head → P(positive) and class counts.

    Use the same encoder, length and pooling the head was trained with (the run's params).

    Returns:
        ``probabilities`` (one per text), ``labels`` ("positive"/"negative"), ``class_counts`` and
        ``embedding_shape``.
    """
    token, emit = token or CancelToken(), emit or (lambda _e: None)
    cleaned = [clean_text(t) for t in texts]
    encoder = load_encoder(encoder_path, emit)
    vectors, _ = embed_texts(encoder, cleaned, max_len, pooling, 32, token, emit, use_cache=False)
    probs = predict_proba(load_head(Path(head_path)), vectors)
    return _prediction_json(probs, threshold, vectors.shape)


def _prediction_json(probs: np.ndarray, threshold: float, shape: tuple[int, ...]) -> dict[str, Any]:
    return {
        "probabilities": [round(float(p), 6) for p in probs],
        "labels": ["positive" if p >= threshold else "negative" for p in probs],
        "class_counts": predicted_counts(probs, threshold),
        "embedding_shape": list(shape),
    }


def display_texts(texts: Sequence[str]) -> dict[str, Any]:
    """The texts a prediction table shows: whole within :data:`FULL_TEXTS_BUDGET`, else shortened.

    Returns:
        ``texts`` and ``texts_shortened`` (whether they were cut to :data:`SHORT_TEXT` characters).
    """
    if sum(len(t) for t in texts) <= FULL_TEXTS_BUDGET:
        return {"texts": list(texts), "texts_shortened": False}
    cut = [t if len(t) <= SHORT_TEXT else t[: SHORT_TEXT - 1] + "…" for t in texts]
    return {"texts": cut, "texts_shortened": True}


def run_lab(params: Params, token: CancelToken, emit: Emit) -> LabResult:
    """The lab's ``run`` (see :mod:`engine.labs.bert`)."""
    tfrt.seed_everything(params.seed)
    split, data_path = _data(params, token, emit)
    markers: list[Marker] = []
    majority = max(split.class_counts["test"].values()) / max(1, len(split.test_labels))
    markers.append(
        Marker(
            0,
            "baseline",
            f"Always answering the majority class scores accuracy {majority:.3f} "
            "on the test set: judge the head by AUC, not accuracy",
        )
    )
    emit(markers[-1])

    encoder = load_encoder(params.encoder_path, emit)
    emit(LogLine(f"Encoder: {encoder.label} ({encoder.path}); pooling: {params.pooling}"))
    texts = (*split.train_texts, *split.val_texts, *split.test_texts)
    checks = _check_inputs(encoder, texts, params.max_len, token, emit)
    vectors = _embed(encoder, texts, params, token, emit)
    n_train, n_val = len(split.train_texts), len(split.val_texts)
    x_train, x_val, x_test = vectors[:n_train], vectors[n_train : n_train + n_val], vectors[n_train + n_val :]

    run_dir = cache_dir("bert", "heads", f"seed{params.seed}")
    shutil.rmtree(run_dir, ignore_errors=True)  # old checkpoints of an earlier run with this seed
    log_dir = run_log_dir("bert", f"seed{params.seed}") if params.tensorboard else None
    if log_dir is not None:
        emit(ArtifactSaved("tensorboard", str(log_dir)))
    trained = train_head(
        (x_train, split.train_labels),
        (x_val, split.val_labels),
        HeadConfig(params.widths(), params.dropout, params.learning_rate),
        epochs=params.epochs,
        batch_size=params.batch_size,
        patience=params.patience,
        checkpoint_dir=run_dir,
        token=token,
        emit=emit,
        log_dir=log_dir,
    )
    markers.extend(trained.markers)
    head = load_head(trained.path)
    emit(ArtifactSaved("head", str(trained.path)))

    test_probs = predict_proba(head, x_test)
    y_test = split.test_labels
    test = {
        "auc": metrics.roc_auc(y_test, test_probs),
        "accuracy": metrics.accuracy(y_test, (test_probs >= params.threshold).astype(np.int64)),
        "loss": _binary_cross_entropy(y_test, test_probs),
        "majority_rate": majority,
    }
    emit(
        LogLine(
            f"Test (best epoch {trained.best_epoch}): AUC {test['auc']:.4f}, accuracy {test['accuracy']:.4f}"
        )
    )

    new_path = (
        Path(params.new_reviews_path).expanduser() if params.new_reviews_path else default_new_reviews()
    )
    new_texts = read_texts(new_path)
    new_vectors = _embed(encoder, new_texts, params, token, emit)
    new = _prediction_json(predict_proba(head, new_vectors), params.threshold, new_vectors.shape)
    new["file"] = str(new_path)
    new.update(display_texts(new_texts))
    emit(
        LogLine(
            f"New reviews {new_path.name}: embeddings {new_vectors.shape}, predicted {new['class_counts']}"
        )
    )

    pasted_texts = [line.strip() for line in params.pasted_reviews.splitlines() if line.strip()]
    pasted: dict[str, Any] = {}
    if pasted_texts:
        cleaned = [clean_text(t) for t in pasted_texts]
        pasted_vectors = _embed(encoder, cleaned, params, token, emit)
        pasted = _prediction_json(predict_proba(head, pasted_vectors), params.threshold, pasted_vectors.shape)
        pasted["texts"] = pasted_texts

    all_labels = np.concatenate([split.train_labels, split.val_labels, y_test])
    projection = pca_2d(vectors, all_labels, seed=params.seed)
    hidden = int(vectors.shape[1])
    return LabResult(
        history=trained.history,
        markers=tuple(markers),
        test=test,
        artifacts={
            "head": str(trained.path),
            "data": str(data_path),
            "new_reviews": str(new_path),
            **({"tensorboard": str(log_dir)} if log_dir is not None else {}),
            **(
                {"embeddings": str(cache_path(encoder, params.max_len, params.pooling, texts))}
                if params.use_cache
                else {}
            ),
        },
        extra={
            "encoder": {
                "label": encoder.label,
                "path": str(encoder.path),
                "hidden_size": hidden,
                "pooling": params.pooling,
                "max_len": params.max_len,
            },
            "class_counts": split.class_counts,
            "dropped": split.dropped,
            "input_checks": checks,
            "embedding_shape": list(vectors.shape),
            "best_epoch": trained.best_epoch,
            "model_diagram": describe_model(head),
            "pca": projection.as_json(),
            "new_reviews": new,
            "predicted_class_counts": new["class_counts"],
            "pasted": pasted,
            "test_class_counts": counts_of(y_test),
        },
    )
