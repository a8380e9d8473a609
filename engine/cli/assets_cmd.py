"""``assets [--prepare NAME]``: the offline pretrained assets, where each came from, its local path,
size and whether its hash was verified; ``--prepare`` runs an asset's one-time conversion."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from engine.cli.core import EXIT_OK, Command, CommandFailed, Example, unknown
from engine.jobs import LogLine, Progress


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prepare",
        metavar="NAME",
        help="build an asset that needs a one-time conversion (names: see 'assets')",
    )
    parser.add_argument(
        "--clear",
        metavar="CACHE",
        help="empty a cache (names: see 'assets'); it is filled again when a run needs it",
    )


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine import assets

    if args.clear:
        return _clear_cache(args.clear, out)
    if args.prepare:
        try:
            assets.get_asset(args.prepare)
        except assets.AssetError:  # the only reason get_asset fails: no such name
            raise unknown("asset", args.prepare, assets.ASSETS) from None
        try:
            path = assets.resolve(args.prepare, _progress_printer(err))
        except assets.AssetError as exc:
            raise CommandFailed(str(exc)) from None
        print(f"{args.prepare}: ready at {path}", file=out)
        return EXIT_OK
    statuses = assets.all_statuses()
    if not statuses:
        print("no pretrained assets are registered", file=out)
    for st in statuses:
        check = {True: "sha256 verified", False: "SHA-256 MISMATCH", None: "no published hash"}
        state = "ready" if st.ready else ("needs --prepare" if st.needs_prepare else "missing")
        size = f"{st.size_bytes / 1e6:.1f} MB" if st.size_bytes is not None else "-"
        print(f"{st.name}: {state} · {st.title}", file=out)
        print(f"    source: {st.source}", file=out)
        print(f"    path: {st.path or '-'} · size: {size} · {check[st.verified]}", file=out)
    from engine import caches

    for cache in caches.all_statuses():
        print(f"cache {cache.line()}", file=out)
        print(f"    {cache.title} · path: {cache.path} · clear: --clear {cache.name}", file=out)
    return EXIT_OK


def _clear_cache(name: str, out: TextIO) -> int:
    from engine import caches

    try:
        cache = caches.get_cache(name)
    except KeyError:
        raise unknown("cache", name, caches.CACHES) from None
    freed = caches.clear(cache.name)
    print(f"{name}: cleared, {caches.format_size(freed)} freed", file=out)
    return EXIT_OK


def _progress_printer(err: TextIO) -> Any:
    def emit(event: Any) -> None:
        if isinstance(event, Progress):
            print(f"{event.phase}: {event.done}/{event.total}", file=err)
        elif isinstance(event, LogLine):
            print(event.text, file=err)

    return emit


ASSETS = Command(
    name="assets",
    summary="the offline pretrained assets and the caches; --prepare converts one, --clear empties a cache",
    description=(
        "The offline pretrained assets: where each came from, its local path, size and whether its "
        "SHA-256 was verified; then each cache (e.g. the BERT lab's embedding store) with its size. "
        "Nothing here downloads anything; --prepare runs an asset's one-time conversion into the cache "
        "dir, --clear empties a cache."
    ),
    configure=_configure,
    handle=_handle,
    examples=(
        Example("assets", "each asset's source, path, size and hash check"),
        Example("assets --prepare minilm-l6-v2", "the one-time conversion of the BERT lab's encoder"),
        Example("assets --clear bert-embeddings", "delete the BERT lab's stored review embeddings"),
    ),
)
