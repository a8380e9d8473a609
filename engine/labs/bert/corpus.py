"""The BERT lab's embedded default: generated food reviews in the Reviews.csv format.

Each review has a score 1–5 drawn like Amazon's (mostly 5s), so ~80 % of the scored, non-neutral
reviews are positive. Its text mixes sentences whose tone follows the score with neutral remarks
(shipping, packaging, price, who ate it), now and then a sentence of the opposite tone ("the box was
dented, but..."), and a few reviews whose text contradicts their score (people do that), so the task is
learnable but not trivial. HTML remnants (``<br />``, links, ``&quot;``) are left in for the loader to
strip, and ~10 % of reviews are long enough (≥ 50 words) to be dropped by the length filter.

Sentences are templates with slots (the product, its kind, who ate it, when, how many), so the
:data:`GENERATED_ROWS`-row default holds well over 120,000 distinct reviews: the assignment's sample of
100,000 runs offline. One file serves every sample size, so a larger sample only adds reviews to a
smaller one (the loader's seeded sample nests) and their embeddings are reused. Deterministic from the
seed.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from engine import manifest
from engine.paths import cache_dir
from engine.safe_files import atomic_path

_VERSION = 2  # bump when the generator changes, so cached files are regenerated
#: Rows of the generated default: ~125,000 are kept after the filters, ≥ 120,000 of them distinct.
GENERATED_ROWS = 150_000
HEADER = (
    "Id", "ProductId", "UserId", "ProfileName", "HelpfulnessNumerator", "HelpfulnessDenominator",
    "Score", "Time", "Summary", "Text",
)  # fmt: skip
SCORE_P = (0.11, 0.07, 0.08, 0.16, 0.58)  # scores 1..5 → 80 % positive once the 3s are dropped

ITEMS = (
    "coffee", "green tea", "dog treats", "potato chips", "oatmeal cookies", "hot sauce", "pasta",
    "olive oil", "protein bars", "gummy bears", "peanut butter", "honey", "cat food", "popcorn",
    "crackers", "beef jerky", "granola", "baby food", "dark chocolate", "coconut water", "almonds",
    "maple syrup", "instant noodles", "herbal tea", "hot cocoa mix", "rice cakes", "salsa", "cereal",
    "espresso beans", "black tea", "trail mix", "pretzels", "cashews", "chai", "energy drink",
    "soup mix", "licorice", "jam", "barbecue sauce", "pancake mix", "biscotti", "dried mango",
)  # fmt: skip
KINDS = (
    "", "", "", "organic ", "sugar-free ", "gluten-free ", "family-size ", "imported ", "low-sodium ",
    "decaf ", "store-brand ", "premium ", "single-serve ", "bulk ", "natural ", "extra-large ",
)  # fmt: skip
PEOPLE = (
    "my husband", "my wife", "my kids", "my son", "my daughter", "my mom", "my dad", "my roommate",
    "our toddler", "my coworkers", "my grandmother", "my boyfriend", "my girlfriend", "our guests",
)  # fmt: skip
TIMES = (
    "in the morning", "after dinner", "at work", "on weekends", "on road trips", "before the gym",
    "with lunch", "late at night", "at parties", "while camping", "as a snack", "for breakfast",
)  # fmt: skip
SO = ("", "really ", "truly ", "honestly ", "definitely ", "absolutely ", "pretty ", "")
STRONG_POSITIVE = (
    "This {item} is {so}delicious.", "Best {item} I have ever bought.",
    "I love this and order it every month.", "My whole family {so}loves it.",
    "Highly recommended, the flavor is {so}amazing.", "Fantastic quality, I will {so}buy it again.",
    "Five stars, it tastes {so}wonderful.", "Perfect {item}, fresh and full of flavor.",
    "Our dog goes crazy for these, he {so}loves them.", "What a great find, {so}excellent.",
    "I am {so}impressed, the best I have tried.", "Delicious, {so}worth every penny.",
)  # fmt: skip
MILD_POSITIVE = (
    "Pretty good {item} for the price.", "Tasty, though a little too sweet for me.",
    "Good flavor and a {so}decent value.", "I like it and would {so}buy it again.",
    "Nice {item}, not the best but solid.", "Fresh and tasty, a {so}good everyday choice.",
    "It is {so}good, though the bag is small.", "Solid and tasty, a good buy.",
)  # fmt: skip
MILD_NEGATIVE = (
    "The {item} was disappointing and a bit bland.", "Not great, the taste is {so}off.",
    "I expected more, it is mediocre at best.", "Too salty and the texture is {so}strange.",
    "{so}overpriced for what you get.", "It was okay at first but it got stale fast.",
    "It tastes worse than it used to.", "Bland, and {so}disappointing.",
)  # fmt: skip
STRONG_NEGATIVE = (
    "This {item} is terrible, it tastes {so}awful.", "Worst {item} I have ever tried.",
    "Do not buy this, {so}a waste of money.", "It arrived stale and inedible.",
    "Disgusting flavor, I threw it away.", "My dog got sick after eating these, avoid.",
    "Horrible quality, I {so}want a refund.", "One star, I regret buying this {item}.",
    "It was {so}awful, never again.", "It tasted like cardboard, {so}terrible.",
)  # fmt: skip
NEUTRAL = (
    "It came in a {n}-pack.", "Shipping took {n} days.", "I bought it on sale.",
    "The package was a standard box.", "I usually buy the other brand.",
    "I have it {time} most days.", "{person} tried it too.", "It is made in the USA.",
    "The bag is resealable.", "I ordered it through the subscription program.",
    "Ingredients are listed on the back.", "We tried the {kind}{item} at a friend's house first.",
    "I have been buying {item} for {n} years.", "I keep a box in the pantry for {person}.",
)  # fmt: skip
CONTEXT = (
    "Bought the {kind}{item} for {person}.", "We had the {kind}{item} {time}.",
    "Tried the {kind}{item} {time}.", "Ordered {n} bags of the {kind}{item}.",
)  # fmt: skip
TURNS = {
    True: ("The box was dented when it arrived, though.", "Shipping was slow, but that is not their fault."),
    False: ("The packaging looked nice, at least.", "My neighbor seems to like it, but I do not."),
}
SUMMARIES = {1: "Awful", 2: "Disappointing", 3: "It's okay", 4: "Pretty good", 5: "Delicious!"}
NAMES = ("Jane D.", "food lover", "M. Smith", "Coffee Addict", "dogmom", "K. Lee", "Chris", "A. Shopper")
TONES = {1: STRONG_NEGATIVE, 2: MILD_NEGATIVE, 3: MILD_POSITIVE + MILD_NEGATIVE, 4: MILD_POSITIVE}


class _Draw:
    """Fast draws from one seeded generator: integers are drawn in blocks, not one call each."""

    def __init__(self, seed: int, block: int = 65_536) -> None:
        self._rng = np.random.default_rng(seed)
        self._block = block
        self._left: list[float] = []

    def random(self) -> float:
        if not self._left:
            self._left = self._rng.random(self._block).tolist()[::-1]
        return self._left.pop()

    def below(self, n: int) -> int:
        return min(n - 1, int(self.random() * n))

    def pick(self, options: Sequence[str]) -> str:
        return options[self.below(len(options))]

    def weighted(self, cumulative: Sequence[float]) -> int:
        r = self.random()
        return next((i for i, c in enumerate(cumulative) if r < c), len(cumulative) - 1)


def _fill(draw: _Draw, template: str, item: str) -> str:
    text = template.format(
        item=item,
        kind=draw.pick(KINDS),
        person=draw.pick(PEOPLE),
        time=draw.pick(TIMES),
        so=draw.pick(SO),
        n=2 + draw.below(10),
    )
    return text[0].upper() + text[1:]


def _sentences(draw: _Draw, score: int, item: str, long: bool) -> list[str]:
    tone = TONES.get(score, STRONG_POSITIVE)
    if draw.random() < 0.04:  # the text says the opposite of the score
        tone = STRONG_NEGATIVE if score >= 4 else STRONG_POSITIVE
    picks = [draw.pick(tone) for _ in range(1 + draw.below(2))]
    picks += [draw.pick(NEUTRAL) for _ in range(draw.below(3) + (8 if long else 0))]
    if len(picks) == 1 and draw.random() < 0.7:  # a lone sentence: say what it was, as people do
        picks.append(draw.pick(CONTEXT))
    if score != 3 and draw.random() < 0.15:
        picks.append(draw.pick(TURNS[score > 3]))
    order = sorted(range(len(picks)), key=lambda _: draw.random())
    return [_fill(draw, picks[i], item) for i in order]


def _html(draw: _Draw, sentences: list[str]) -> str:
    parts = []
    for s in sentences:
        r = draw.random()
        if r < 0.15:
            s = s.replace(" it ", " <i>it</i> ", 1)
        elif r < 0.2:
            s = (
                s.replace('"', "&quot;")
                + ' See <a href="http://www.amazon.com/gp/product/B000EXAMPLE">here</a>.'
            )
        parts.append(s)
        parts.append("<br /><br />" if draw.random() < 0.25 else " ")
    return "".join(parts).strip()


def write_reviews_csv(
    path: Path,
    n: int,
    seed: int,
    with_scores: bool = True,
    on_rows: Callable[[int], None] | None = None,
) -> Path:
    """Write ``n`` generated reviews to ``path`` (atomically); without scores only ``Id,Text``.

    ``on_rows`` is called with the rows written so far, every 10,000 rows (for a progress bar).
    """
    draw = _Draw(seed)
    cumulative = np.cumsum(SCORE_P).tolist()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER if with_scores else ["Id", "Text"])
        for i in range(1, n + 1):
            score = draw.weighted(cumulative) + 1
            item = draw.pick(ITEMS)
            text = _html(draw, _sentences(draw, score, item, long=draw.random() < 0.1))
            if on_rows is not None and i % 10_000 == 0:
                on_rows(i)
            if not with_scores:
                writer.writerow([i, text])
                continue
            helpful = draw.below(6)
            writer.writerow([
                i, f"B00{1_000_000 + draw.below(9_000_000)}", f"A{10**12 + draw.below(9 * 10**12)}",
                draw.pick(NAMES), helpful, helpful + draw.below(3), score,
                1_100_000_000 + draw.below(250_000_000), SUMMARIES[score], text,
            ])  # fmt: skip
    return path


def _generated(
    name: str,
    rows: int,
    seed: int,
    with_scores: bool,
    on_rows: Callable[[int], None] | None,
    note: Callable[[str], None] | None,
) -> Path:
    """A generated file as a cache entry with a manifest (:mod:`engine.manifest`): written once, and
    checked on every use against its SHA-256 and its generator's row count, so a truncated or edited
    copy is generated again (``note`` is told) instead of being read as data."""
    kind = "reviews" if with_scores else "new_reviews"
    folder = cache_dir("bert", "data") / f"{kind}-v{_VERSION}-{rows}-seed{seed}"

    def build(partial: Path) -> dict[str, int]:
        write_reviews_csv(partial / name, rows, seed, with_scores, on_rows)
        return {"rows": rows}

    label = f"the generated {kind.replace('_', ' ')} ({rows:,} rows)"
    manifest.ensure(
        folder, build, label=label, expect={"rows": rows, "seed": seed, "version": _VERSION}, note=note
    )
    return folder / name


def default_reviews(
    on_rows: Callable[[int], None] | None = None, seed: int = 0, note: Callable[[str], None] | None = None
) -> Path:
    """The generated Reviews.csv of :data:`GENERATED_ROWS` rows (written on first use to the cache dir)."""
    return _generated("Reviews.csv", GENERATED_ROWS, seed, True, on_rows, note)


def default_new_reviews(n: int = 120, seed: int = 1, note: Callable[[str], None] | None = None) -> Path:
    """The generated "new reviews" file to predict (``Id,Text``, no scores), like the test CSV."""
    return _generated("new_reviews.csv", n, seed, False, None, note)
