"""Feature cache: hit, miss, invalidation on every key part, skipped images, and batch order."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from engine.jobs import CancelToken, JobCancelled, LogLine, Progress
from engine.labs.transfer import images as ip
from engine.labs.transfer.cache import cache_entries, cache_key, cached_features, feature_dataset
from engine.labs.transfer.data import encode_png, render_page

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def extractor():
    # A tiny stand-in for the frozen VGG-16 prefix: same contract (images → feature maps), fast.
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 3))  # any image size
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.MaxPooling2D(4)(x)
    return keras.Model(inputs, x)


@pytest.fixture
def pages(tmp_path: Path) -> list[ip.LabelledImage]:
    items = []
    for k in range(10):
        path = tmp_path / f"page{k}.png"
        path.write_bytes(encode_png(render_page(k % 16, np.random.default_rng(k))))
        items.append(ip.LabelledImage(str(path), k % 16, k + 2))
    return items


def _cache(items, extractor, key, events=None, token=None, name="train", label_file=""):
    emit = events.append if events is not None else (lambda e: None)
    log = ip.SkipLog()
    token = token or CancelToken()
    split = cached_features(name, items, extractor, key, ip.VGG_HED, 4, log, token, emit, label_file)
    return split, log


def test_miss_then_hit_with_the_same_features(pages, extractor) -> None:
    key = cache_key(pages, 32, "sha256:abc", "vgg16:block5_pool", ip.VGG_HED)
    events: list = []
    first, _ = _cache(pages, extractor, key, events)
    assert not first.hit
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[0].done == 0 and progress[-1].done == progress[-1].total == 10
    direct = np.concatenate(
        [extractor(x).numpy() for x, _ in ip.make_dataset(pages, 32, ip.VGG_HED, 4, ip.SkipLog())]
    )
    np.testing.assert_allclose(first.features, direct, rtol=1e-6)
    assert first.labels.tolist() == [p.label for p in pages] and first.index.tolist() == list(range(10))
    events.clear()
    second, _ = _cache(pages, extractor, key, events)
    assert second.hit and second.folder == first.folder
    assert not [e for e in events if isinstance(e, Progress)]  # nothing recomputed
    np.testing.assert_array_equal(second.features, first.features)


def test_any_key_change_is_a_miss(pages, extractor) -> None:
    key = cache_key(pages, 32, "sha256:abc", "vgg16:block5_pool", ip.VGG_HED)
    base, _ = _cache(pages, extractor, key)
    changed = [
        cache_key(pages, 48, "sha256:abc", "vgg16:block5_pool", ip.VGG_HED),  # image size
        cache_key(pages, 32, "random:0", "vgg16:block5_pool", ip.VGG_HED),  # weights
        cache_key(pages, 32, "sha256:abc", "vgg16:block4_conv2", ip.VGG_HED),  # cut (Model-3)
        cache_key(pages, 32, "sha256:abc", "vgg16:block5_pool", ip.VGG_IMAGENET),  # preprocessing
        cache_key(pages[:-1], 32, "sha256:abc", "vgg16:block5_pool", ip.VGG_HED),  # dataset
    ]
    folders = {base.folder}
    for key2 in changed:
        items = pages[:-1] if key2["images"] == 9 else pages
        split, _ = _cache(items, extractor, key2)
        assert not split.hit, key2
        folders.add(split.folder)
        assert split.features.shape[1] == (11 if key2["image_size"] == 48 else 7)
    assert len(folders) == 1 + len(changed)
    assert _cache(pages, extractor, key)[0].hit  # the first entry is still there


def test_editing_an_image_invalidates(pages, extractor) -> None:
    key = cache_key(pages, 32, "w", "c", ip.VGG_HED)
    _cache(pages, extractor, key)
    path = Path(pages[3].path)
    path.write_bytes(encode_png(render_page(9, np.random.default_rng(99))))
    os.utime(path, ns=(1, 1))  # a different mtime even on coarse clocks
    new_key = cache_key(pages, 32, "w", "c", ip.VGG_HED)
    assert new_key["dataset"] != key["dataset"]
    split, _ = _cache(pages, extractor, new_key)
    assert not split.hit


def test_interrupted_entry_is_rebuilt(pages, extractor) -> None:
    key = cache_key(pages, 32, "w2", "c", ip.VGG_HED)
    first, _ = _cache(pages, extractor, key)
    (first.folder / "manifest.json").unlink()  # as if the process died before publishing it
    events: list = []
    again, _ = _cache(pages, extractor, key, events)
    assert not again.hit and (again.folder / "manifest.json").is_file()
    assert any(isinstance(e, LogLine) and "no manifest" in e.text for e in events)


@pytest.mark.parametrize("damage", ["scramble", "truncate", "reshape"])
def test_damaged_features_are_never_a_hit(pages, extractor, damage) -> None:
    key = cache_key(pages, 32, f"w-{damage}", "c", ip.VGG_HED)
    first, _ = _cache(pages, extractor, key)
    expected = np.array(first.features)
    path = first.folder / "features.npy"
    del first
    data = bytearray(path.read_bytes())
    if damage == "scramble":  # same size, some features swapped for NaN
        data[-400:] = np.full(100, np.nan, np.float32).tobytes()
        path.write_bytes(bytes(data))
    elif damage == "truncate":
        path.write_bytes(bytes(data[: len(data) // 2]))
    else:
        np.save(path, expected.reshape(len(expected), -1))  # the same numbers, flattened
    events: list = []
    again, _ = _cache(pages, extractor, key, events)
    assert not again.hit
    np.testing.assert_allclose(again.features, expected, rtol=1e-6)
    notes = [e.text for e in events if isinstance(e, LogLine)]
    assert len(notes) == 1 and "the cached train features" in notes[0] and "rebuilding" in notes[0]


def test_a_split_whose_images_all_fail_names_them(pages, extractor) -> None:
    for page in pages:
        Path(page.path).write_bytes(b"not an image")
    key = cache_key(pages, 32, "w-broken", "c", ip.VGG_HED)
    with pytest.raises(
        ValueError, match=r"none of the 10 validation images could be read: .*page0\.png: .*; and 7 more"
    ):
        _cache(pages, extractor, key, name="validation")


def test_cancel_stops_caching_and_leaves_no_usable_entry(pages, extractor) -> None:
    key = cache_key(pages, 32, "w3", "c", ip.VGG_HED)
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        _cache(pages, extractor, key, token=token)
    split, _ = _cache(pages, extractor, key)
    assert not split.hit


def test_skipped_images_are_left_out_with_their_positions(pages, extractor) -> None:
    Path(pages[2].path).write_bytes(b"\x89PNG broken")
    Path(pages[7].path).unlink()
    key = cache_key(pages, 32, "w4", "c", ip.VGG_HED)
    split, log = _cache(pages, extractor, key)
    assert split.index.tolist() == [0, 1, 3, 4, 5, 6, 8, 9]
    assert split.labels.tolist() == [pages[i].label for i in split.index]
    assert set(log.skipped) == {pages[2].path, pages[7].path}


def test_cached_batches_follow_the_image_pipelines_shuffle(pages, extractor) -> None:
    key = cache_key(pages, 32, "w5", "c", ip.VGG_HED)
    split, _ = _cache(pages, extractor, key)
    order = ip.EpochOrder(7)
    streamed = ip.make_dataset(pages, 32, ip.VGG_HED, 3, ip.SkipLog(), order=order, with_index=True)
    cached = feature_dataset(split, 3, order)
    epochs = []
    for epoch in range(3):
        order.epoch.assign(epoch)
        stream_batches = [b[2].numpy().tolist() for b in streamed]
        list(iter(cached))  # an extra iterator (as Keras may open) must not move the order
        cached_labels = [b[1].numpy().tolist() for b in cached]
        assert len(stream_batches) == len(cached_labels) == 4
        for idx, labels in zip(stream_batches, cached_labels, strict=True):
            assert labels == [pages[i].label for i in idx]
        epochs.append([i for batch in stream_batches for i in batch])
    assert sorted(epochs[0]) == list(range(10))
    assert epochs[0] != epochs[1] != epochs[2]  # a new order every epoch
    order.epoch.assign(1)
    assert [i for b in streamed for i in b[2].numpy().tolist()] == epochs[1]  # a function of (seed, epoch)


def test_cache_entries_lists_complete_entries(pages, extractor) -> None:
    key = cache_key(pages, 32, "sha256:listed", "vgg16:block5_pool", ip.VGG_HED)
    split, _ = _cache(pages, extractor, key, name="validation", label_file="/data/labels.csv")
    listed = [e for e in cache_entries() if e["path"] == str(split.folder)]
    assert len(listed) == 1
    entry = listed[0]
    assert (entry["image_size"], entry["weights"], entry["images"]) == (32, "sha256:listed", 10)
    assert (entry["split"], entry["label_file"]) == ("validation", "/data/labels.csv")
    assert entry["bytes"] >= split.nbytes
    # A hit from another label file listing the same images (or an entry from before the split and
    # label file were recorded) is relabelled with its latest use; the features stay.
    meta = split.folder / "meta.json"
    old = json.loads(meta.read_text())
    assert "key" not in old or old["key"] == key
    meta.write_text(json.dumps({k: v for k, v in old.items() if k not in ("split", "label_file")}))
    assert [(e["split"], e["label_file"]) for e in cache_entries() if e["path"] == str(split.folder)] == [
        ("", "")
    ]
    again, _ = _cache(pages, extractor, key, name="validation", label_file="/other/list.txt")
    assert again.hit
    listed = [e for e in cache_entries() if e["path"] == str(split.folder)]
    assert [(e["split"], e["label_file"]) for e in listed] == [("validation", "/other/list.txt")]
