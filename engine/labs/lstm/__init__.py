"""Lab 4 — multi-input LSTM on DonorsChoose project approval (Models 1, 2 and 3).

Params → data (load, clean, split, fit on train) → model → fit with AUC per epoch → one test.
Importing this module is cheap: TensorFlow is imported inside :func:`run` and :func:`diagram`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from engine import tfrt
from engine.jobs import ArtifactSaved, CancelToken, Emit, LabResult, LabSpec, LogLine, Marker, Progress
from engine.keras_fit import fit_with_events
from engine.labs.lstm import glove, scores
from engine.labs.lstm.data import Projects, embedded_paths, load_projects, stratified_sample
from engine.labs.lstm.inputs import Prepared, prepare, split_and_clean
from engine.labs.lstm.models import ModelSizes
from engine.params import check_memory, param
from engine.paths import data_dir
from engine.tensorboard_logs import run_log_dir
from engine.text.idf import IdfBand, IdfTable


@dataclass(frozen=True)
class Params:
    """The LSTM lab's parameters (defaults: embedded data, Model-1, a few seconds per epoch)."""

    model: int = param(
        1, "1: all inputs; 2: essays filtered by idf; 3: one-hot + Conv1D", minimum=1, maximum=3
    )
    epochs: int = param(5, "Passes over the training projects", minimum=1, maximum=200)
    batch_size: int = param(64, "Projects per gradient step", minimum=1, maximum=4096)
    learning_rate: float = param(1e-3, "Adam's learning rate", minimum=1e-6, maximum=1.0)
    seed: int = param(0, "Seed of the split, the data generator and the weights", minimum=0)
    data_dir: str = param("", "Folder with train.csv and resources.csv; empty = the embedded table")
    glove_path: str = param("", "GloVe text file (word v1 v2 ...); empty = trainable embedding")
    idf_low: float = param(0.0, "Model-2: keep words with idf at least this; 0 = first quartile", minimum=0)
    idf_high: float = param(0.0, "Model-2: keep words with idf at most this; 0 = third quartile", minimum=0)
    max_words: int = param(
        20000, "Essay vocabulary size (most frequent training words)", minimum=10, maximum=1_000_000
    )
    text_length: int = param(80, "Words per essay fed to the LSTM (cut or padded)", minimum=4, maximum=1000)
    embedding_dim: int = param(
        64, "Width of the trainable essay embedding (GloVe sets its own)", minimum=2, maximum=1024
    )
    lstm_units: int = param(32, "LSTM units", minimum=1, maximum=1024)
    head_units: int = param(
        64, "Units of the first head Dense layer; the next two halve it", minimum=4, maximum=4096
    )
    dropout: float = param(0.3, "Dropout rate in the head", minimum=0.0, maximum=0.9)
    conv_filters: int = param(16, "Model-3: filters of each Conv1D", minimum=1, maximum=512)
    conv_kernel: int = param(3, "Model-3: kernel size of each Conv1D", minimum=1, maximum=15)
    projects: int = param(4000, "Embedded table: how many projects to generate", minimum=200, maximum=50000)
    max_projects: int = param(0, "Real data: a stratified sample of at most this many; 0 = all", minimum=0)
    tensorboard: bool = param(
        True, "Write TensorBoard logs (epoch scalars, learning rate, weight histograms)", label="TensorBoard"
    )

    def validate(self) -> None:
        """Reject an idf band whose lower threshold is above the upper one."""
        if self.idf_low and self.idf_high and self.idf_low > self.idf_high:
            raise ValueError(f"idf_low {self.idf_low:g} is above idf_high {self.idf_high:g}")
        # The essay embedding's weights, gradients and two Adam slots, in float32.
        check_memory(
            f"an essay embedding of max_words {self.max_words:,} × embedding_dim {self.embedding_dim}",
            16 * (self.max_words + 2) * self.embedding_dim,
            "Lower max_words or embedding_dim.",
        )

    def sizes(self) -> ModelSizes:
        """The model sizes these params ask for."""
        units = (self.head_units, max(self.head_units // 2, 2), max(self.head_units // 4, 2))
        return ModelSizes(
            embedding_dim=self.embedding_dim,
            lstm_units=self.lstm_units,
            head_units=units,
            dropout=self.dropout,
            conv_filters=self.conv_filters,
            conv_kernel=self.conv_kernel,
        )


def load(params: Params, token: CancelToken | None = None, emit: Emit | None = None) -> tuple[Projects, str]:
    """The projects and a one-line description of where they came from."""
    if params.data_dir:
        folder = Path(params.data_dir).expanduser()
        projects = load_projects(folder / "train.csv", folder / "resources.csv", token, emit)
        source = f"DonorsChoose CSVs in {folder}"
        if 0 < params.max_projects < len(projects):
            projects = projects.subset(stratified_sample(projects.label, params.max_projects, params.seed))
            source += f" (stratified sample of {len(projects)})"
        return projects, source
    train, resources = embedded_paths(params.projects, params.seed, token, emit)
    projects = load_projects(train, resources, token, emit)
    return projects, f"embedded DonorsChoose-like table ({params.projects} projects, seed {params.seed})"


def idf_table(params: Params, token: CancelToken | None = None, emit: Emit | None = None) -> IdfTable:
    """The training essays' idf table, for the IDF explorer (numpy only; call ``band`` on drags).

    ``token`` is checked and ``emit`` gets progress while the essays are cleaned (both optional).
    """
    projects, _ = load(params, token, emit)
    cleaned, rows = split_and_clean(projects, params.seed, token=token, emit=emit)
    return IdfTable.fit([cleaned.essays[i] for i in rows["train"]])


def idf_summary(table: IdfTable, band: IdfBand | None) -> dict[str, Any]:
    """The idf distribution, box plot and (Model-2) the band kept, as plain data."""
    edges, counts = table.histogram()
    out: dict[str, Any] = {"histogram": {"edges": edges, "counts": counts}, "box": table.box().as_dict()}
    if band is not None:
        out["band"] = band.as_dict()
    return out


def _prepare(params: Params, token: CancelToken, emit: Emit) -> Prepared:
    emit(Progress("loading data", 0, 1))
    projects, source = load(params, token, emit)
    emit(Progress("loading data", 1, 1))
    emit(LogLine(f"Data: {source}: {len(projects)} projects, {100 * projects.label.mean():.1f} % approved"))
    if projects.without_resources:
        emit(LogLine(f"{projects.without_resources} projects have no resources (price and quantity 0)"))
    token.raise_if_cancelled()
    return prepare(
        projects,
        model=params.model,
        seed=params.seed,
        max_words=params.max_words,
        text_length=params.text_length,
        idf_low=params.idf_low or None,
        idf_high=params.idf_high or None,
        token=token,
        emit=emit,
    )


def _band_marker(band: IdfBand) -> Marker:
    text = (
        f"idf {band.low:.2f}–{band.high:.2f}: kept {band.vocabulary_after} of {band.vocabulary_before} "
        f"words ({100 * band.token_share_kept:.0f} % of the essay text)"
    )
    return Marker(0, "idf_filter", text)


#: Params the prepared data depends on (the diagram keeps it while only sizes change).
DATA_FIELDS = (
    "model", "seed", "data_dir", "idf_low", "idf_high", "max_words", "text_length", "projects", "max_projects"
)  # fmt: skip
_DIAGRAM_DATA: dict[Params, Prepared] = {}


def _prepared_for_diagram(params: Params, token: CancelToken, emit: Emit) -> Prepared:
    # Sizes change on every edit in the GUI; the data does not, so keep the last two for the next call.
    key = replace(Params(), **{f: getattr(params, f) for f in DATA_FIELDS})
    if key not in _DIAGRAM_DATA:
        prepared = _prepare(key, token, emit)  # a Stop raises here and caches nothing
        while len(_DIAGRAM_DATA) >= 2:
            _DIAGRAM_DATA.pop(next(iter(_DIAGRAM_DATA)))
        _DIAGRAM_DATA[key] = prepared
    return _DIAGRAM_DATA[key]


def diagram(params: Params, token: CancelToken | None = None, emit: Emit | None = None) -> dict[str, Any]:
    """The model these params build, as diagram data (shapes, trainable/frozen counts), untrained.

    The prepared data is cached per data-affecting params, so editing sizes only rebuilds the model;
    a GloVe file is not parsed (only its vector width is read: the diagram needs shapes).

    Args:
        params: The form's params.
        token: Checked while the data is generated, read and cleaned. Defaults to None.
        emit: Receives that work's progress. Defaults to None.
    """
    prepared = _prepared_for_diagram(params, token or CancelToken(), emit or (lambda _event: None))
    from engine.labs.lstm import (
        train as lstm_train,  # TensorFlow: after the data, which a Stop can still interrupt
    )
    from engine.labs.lstm.models import build_model, describe_model

    matrix = glove.diagram_matrix(params.glove_path, prepared)
    net = build_model(params.model, lstm_train.model_inputs(prepared, params.model), params.sizes(), matrix)
    return describe_model(net)


def run(params: Params, token: CancelToken, emit: Emit) -> LabResult:
    """Train the chosen model, restore its best validation-AUC epoch and test it once."""
    if params.glove_path:  # a bad GloVe file is named before the data is read, not after
        glove.glove_width(params.glove_path)
    prepared = _prepare(params, token, emit)
    markers = [_band_marker(prepared.band)] if prepared.band is not None else []
    for marker in markers:
        emit(marker)
    from engine.labs.lstm import train as lstm_train
    from engine.labs.lstm.models import build_model, describe_model

    tfrt.seed_everything(params.seed)
    matrix, embedding = glove.glove_matrix(params.glove_path, prepared, params.seed, emit, token)
    with tfrt.strategy().scope():
        net = build_model(
            params.model,
            lstm_train.model_inputs(prepared, params.model),
            params.sizes(),
            matrix,
            params.learning_rate,
        )
    x = {split: lstm_train.feed(prepared, split, params.model) for split in ("train", "val", "test")}
    y = {split: prepared.labels[split] for split in x}
    folder = data_dir() / "lstm"
    best_path = folder / f"best_model{params.model}_seed{params.seed}.weights.h5"
    best = lstm_train.AucCheckpoint((x["train"], y["train"]), (x["val"], y["val"]), best_path, emit)
    callbacks: list[Any] = [best]
    artifacts = {"best_weights": str(best_path)}
    if params.tensorboard:
        from engine.callbacks.tensorboard_logger import TensorBoardLogger

        log_dir = run_log_dir("lstm", f"model{params.model}-seed{params.seed}")
        artifacts["tensorboard"] = str(log_dir)
        # After AucCheckpoint, which adds the AUCs; here "auc" is the TRAINING AUC: only val_ validates.
        callbacks.append(TensorBoardLogger(log_dir, validation_keys=()))
    one_hot = np.eye(2, dtype=np.float32)[y["train"]]
    started = time.perf_counter()
    history = fit_with_events(
        net,
        x["train"],
        one_hot,
        token=token,
        emit=emit,
        epochs=params.epochs,
        steps_per_epoch=-(-len(y["train"]) // params.batch_size),
        callbacks=callbacks,
        batch_size=params.batch_size,
        shuffle=True,
    )
    seconds = time.perf_counter() - started
    if best.weights is not None:
        net.set_weights(best.weights)  # the test uses the best validation-AUC epoch, as saved
    for name, path in artifacts.items():
        emit(ArtifactSaved(name, path))
    probabilities = net.predict(x["test"], batch_size=512, verbose=0)
    test = scores.test_metrics(y["test"], probabilities)
    warning = scores.majority_warning(test["accuracy"], test["majority_rate"])
    if warning:
        emit(LogLine(f"Test {warning}", "warning"))
    emit(LogLine(f"Test (once, best epoch {best.best_epoch}): AUC {test['auc']:.3f}, "
                 f"accuracy {test['accuracy']:.3f} (majority {test['majority_rate']:.3f})"))  # fmt: skip
    keys = ("loss", "val_loss", "auc", "val_auc", "val_accuracy")
    extra = {
        "roc": scores.roc_points(y["test"], probabilities[:, 1]),
        "majority_rate": test["majority_rate"],
        "val_majority_rate": best.majority_rate,
        "accuracy": test["accuracy"],
        "accuracy_warning": warning,
        "best_epoch": best.best_epoch,
        "model_diagram": describe_model(net),
        "embedding": embedding,
        "idf": idf_summary(prepared.idf, prepared.band),
        "split_sizes": {split: int(labels.size) for split, labels in y.items()},
        "seconds_per_epoch": seconds / max(len(history.history.get("loss", [])), 1),
    }
    return LabResult(
        history={k: [float(v) for v in history.history[k]] for k in keys if k in history.history},
        markers=(*markers, *best.markers),
        test=test,
        artifacts=artifacts,
        extra=extra,
    )


LAB = LabSpec(
    id="lstm",
    title="LSTM: project approval",
    summary="Three multi-input models (essay LSTM + categorical embeddings + numbers) predict which "
    "DonorsChoose projects get approved; AUC, not accuracy, tells them apart.",
    assignment="LSTM on DonorsChoose (Models 1–3, IDF-filtered text, AUC)",
    params_type=Params,
    run=run,
)
