"""The BERT lab's embedded default: generated food reviews in the Reviews.csv format.

Each review has a score 1–5 drawn like Amazon's (mostly 5s), so ~80 % of the scored, non-neutral
reviews are positive. Its text mixes sentences whose tone follows the score with neutral remarks
(shipping, packaging, price), now and then a sentence of the opposite tone ("the box was dented, but..."),
and a few reviews whose text contradicts their score (people do that), so the task is learnable but not
trivial. HTML remnants (``<br />``, links, ``&quot;``) are left in for the loader to strip, and ~10 % of
reviews are long enough (≥ 50 words) to be dropped by the length filter. Deterministic from the seed.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import numpy as np

from engine.paths import cache_dir

_VERSION = 1  # bump when the generator changes, so cached files are regenerated
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
)  # fmt: skip
STRONG_POSITIVE = (
    "This {item} is absolutely delicious.", "Best {item} I have ever bought.",
    "I love this {item} and order it every month.", "My whole family loves this {item}.",
    "Highly recommended, the flavor is amazing.", "Fantastic quality, I will buy it again.",
    "Five stars, it tastes wonderful.", "Perfect {item}, fresh and full of flavor.",
    "Our dog goes crazy for these, he loves them.", "What a great find, simply excellent.",
)  # fmt: skip
MILD_POSITIVE = (
    "Pretty good {item} for the price.", "Tasty, though a little too sweet for me.",
    "Good flavor and a decent value.", "I like it and would probably buy it again.",
    "Nice {item}, not the best but solid.", "Fresh and tasty, a good everyday choice.",
)  # fmt: skip
MILD_NEGATIVE = (
    "The {item} was disappointing and a bit bland.", "Not great, the taste is off.",
    "I expected more, it is mediocre at best.", "Too salty and the texture is strange.",
    "Overpriced for what you get.", "It was okay at first but it got stale fast.",
)  # fmt: skip
STRONG_NEGATIVE = (
    "This {item} is terrible, it tastes awful.", "Worst {item} I have ever tried.",
    "Do not buy this, complete waste of money.", "It arrived stale and inedible.",
    "Disgusting flavor, I threw it away.", "My dog got sick after eating these, avoid.",
    "Horrible quality, I want a refund.", "One star, I regret buying this {item}.",
)  # fmt: skip
NEUTRAL = (
    "It came in a {n}-pack.", "Shipping took {n} days.", "I bought it on sale.",
    "The package was a standard box.", "I usually buy the other brand.",
    "I have it with breakfast most days.", "My husband tried it too.", "It is made in the USA.",
    "The bag is resealable.", "I ordered it through the subscription program.",
    "Ingredients are listed on the back.", "We tried the {item} at a friend's house first.",
)  # fmt: skip
TURNS = {
    True: ("The box was dented when it arrived, though.", "Shipping was slow, but that is not their fault."),
    False: ("The packaging looked nice, at least.", "My neighbor seems to like it, but I do not."),
}
SUMMARIES = {1: "Awful", 2: "Disappointing", 3: "It's okay", 4: "Pretty good", 5: "Delicious!"}
NAMES = ("Jane D.", "food lover", "M. Smith", "Coffee Addict", "dogmom", "K. Lee", "Chris", "A. Shopper")


def _sentences(rng: np.random.Generator, score: int, item: str, long: bool) -> list[str]:
    tone = {1: STRONG_NEGATIVE, 2: MILD_NEGATIVE, 3: MILD_POSITIVE + MILD_NEGATIVE}.get(
        score, MILD_POSITIVE if score == 4 else STRONG_POSITIVE
    )
    if rng.random() < 0.04:  # the text says the opposite of the score
        tone = STRONG_NEGATIVE if score >= 4 else STRONG_POSITIVE
    picks = [str(rng.choice(tone)) for _ in range(int(rng.integers(1, 3)))]
    picks += [str(rng.choice(NEUTRAL)) for _ in range(int(rng.integers(0, 3)) + (8 if long else 0))]
    if score != 3 and rng.random() < 0.15:
        picks.append(str(rng.choice(TURNS[score > 3])))
    order = rng.permutation(len(picks))
    return [picks[i].format(item=item, n=int(rng.integers(2, 12))) for i in order]


def _html(rng: np.random.Generator, sentences: list[str]) -> str:
    parts = []
    for s in sentences:
        r = rng.random()
        if r < 0.15:
            s = s.replace(" it ", " <i>it</i> ", 1)
        elif r < 0.2:
            s = (
                s.replace('"', "&quot;")
                + ' See <a href="http://www.amazon.com/gp/product/B000EXAMPLE">here</a>.'
            )
        parts.append(s)
        parts.append("<br /><br />" if rng.random() < 0.25 else " ")
    return "".join(parts).strip()


def write_reviews_csv(path: Path, n: int, seed: int, with_scores: bool = True) -> Path:
    """Write ``n`` generated reviews to ``path`` (atomically); without scores only ``Id,Text``."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".csv", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER if with_scores else ["Id", "Text"])
        for i in range(1, n + 1):
            score = int(rng.choice(5, p=SCORE_P)) + 1
            item = str(rng.choice(ITEMS))
            text = _html(rng, _sentences(rng, score, item, long=rng.random() < 0.1))
            if not with_scores:
                writer.writerow([i, text])
                continue
            helpful = int(rng.integers(0, 6))
            writer.writerow([
                i, f"B00{rng.integers(10**6, 10**7)}", f"A{rng.integers(10**12, 10**13)}",
                str(rng.choice(NAMES)), helpful, helpful + int(rng.integers(0, 3)), score,
                int(1_100_000_000 + rng.integers(0, 250_000_000)), SUMMARIES[score], text,
            ])  # fmt: skip
    os.replace(tmp, path)
    return path


def default_reviews(n: int = 3000, seed: int = 0) -> Path:
    """The generated Reviews.csv (created on first use in the cache dir)."""
    path = cache_dir("bert", "data") / f"reviews_v{_VERSION}_{n}_{seed}.csv"
    return path if path.is_file() else write_reviews_csv(path, n, seed)


def default_new_reviews(n: int = 120, seed: int = 1) -> Path:
    """The generated "new reviews" file to predict (``Id,Text``, no scores), like the test CSV."""
    path = cache_dir("bert", "data") / f"new_reviews_v{_VERSION}_{n}_{seed}.csv"
    return path if path.is_file() else write_reviews_csv(path, n, seed, with_scores=False)
