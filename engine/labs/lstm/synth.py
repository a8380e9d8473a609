"""A generated DonorsChoose-like table: same columns, vocabulary style and ~85 % approval.

Each project gets a hidden "quality" ``q``. Its essays draw their describing words from an engaging
pool with probability ``sigmoid(1.5 q)`` and from a plain pool otherwise, so the words carry the
signal; approval also depends on subject, grade, state, prefix, previous projects, total price and
whether the resource summary names a number. The score's lowest ~15 % are rejected. Essays mimic the
real text's quirks: literal ``\\r\\n`` and ``\\"``, contractions, and essays 3/4 present for only a
quarter of the projects (the older four-essay format).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.jobs import CancelToken, Emit, Progress

#: Bump when the generated table changes, so cached copies are regenerated.
VERSION = 1
#: Projects generated between two looks at the cancel token (~0.1 s on a laptop core).
CHUNK = 200


def _words(text: str) -> list[str]:
    return text.split()


_ENGAGING = _words(
    "creative engaging interactive collaborative innovative inspiring meaningful confident curious "
    "motivated independent exciting hardworking enthusiastic imaginative resilient thoughtful joyful "
    "ambitious brilliant caring cheerful dedicated determined eager energetic fearless generous hopeful "
    "inventive kind passionate playful proud talented vibrant"
)
_PLAIN = _words(
    "basic old broken limited outdated boring difficult simple extra general standard typical ordinary "
    "several usual regular average plain common minor modest adequate routine various traditional fixed "
    "temporary partial leftover secondhand worn shared spare cheap generic default"
)
# Town names built from syllables give the long tail of rare (high-idf) words real essays have.
_SYLLABLES = _words("ash bel cor dal fen glen mor oak pine ridge vale wood")
_TOWNS = tuple(f"{a}{b}".title() for a in _SYLLABLES for b in _SYLLABLES if a != b)
_SUBJECTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], float]] = {
    # category: (subcategories, topic words, resource items, effect on approval)
    "Literacy & Language": (("Literacy", "Literature & Writing", "ESL"),
                            ("reading", "writing", "poetry", "vocabulary"),
                            ("books", "novels", "journals", "headphones"), 0.35),
    "Math & Science": (("Mathematics", "Applied Sciences", "Environmental Science"),
                       ("math", "science", "coding", "engineering"),
                       ("calculators", "microscopes", "robots", "magnets"), 0.1),
    "Music & The Arts": (("Visual Arts", "Music", "Performing Arts"),
                         ("art", "music", "drawing", "drama"),
                         ("paints", "drums", "canvases", "keyboards"), -0.15),
    "Health & Sports": (("Health & Wellness", "Gym & Fitness", "Team Sports"),
                        ("fitness", "health", "sports", "nutrition"),
                        ("balls", "mats", "jump ropes", "scooters"), -0.3),
    "History & Civics": (("History & Geography", "Civics & Government", "Economics"),
                         ("history", "geography", "civics", "economics"),
                         ("maps", "globes", "atlases", "documentaries"), -0.2),
    "Applied Learning": (("Early Development", "College & Career Prep", "Character Education"),
                         ("technology", "careers", "research", "projects"),
                         ("Chromebooks", "iPads", "tablets", "printers"), -0.1),
    "Special Needs": (("Special Needs",), ("sensory", "social", "communication", "routines"),
                      ("fidgets", "wobble chairs", "weighted blankets", "timers"), 0.05),
    "Warmth, Care & Hunger": (("Warmth, Care & Hunger",), ("hunger", "care", "warmth", "hygiene"),
                              ("snacks", "coats", "socks", "toothbrushes"), 0.4),
}  # fmt: skip
_GRADES = {"Grades PreK-2": 0.15, "Grades 3-5": 0.05, "Grades 6-8": -0.05, "Grades 9-12": -0.2}
_PREFIXES = {"Mrs.": 0.05, "Ms.": 0.0, "Mr.": -0.1, "Teacher": -0.3, "Dr.": 0.2}
_STATES = _words(
    "AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH NJ NM NV "
    "NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY"
)
_STUDENT_SENTENCES = (
    "My students are {a} learners who come to school ready to learn every day.",
    "Our school is a {a} place in a {place} community.",
    "Many of my students don't have {item} at home.",
    "{pct}% of our students receive free or reduced lunch.",
    "They're {a} and {a} kids who love {topic}.",
    "I teach {count} {a} students in a {place} school.",
    "We're a Title I school, and my students can't wait to learn {topic}.",
    "Every morning my class greets each other with a {a} song.",
    "We live in {town}, and our families are {a} partners.",
)
_PROJECT_SENTENCES = (
    "These {item} will help my students explore {topic} in a {a} way.",
    "With new {item}, my students will become {a} {topic} learners.",
    "The {item} will make our {topic} lessons {a}.",
    "I'm asking for {item} so we can do {a} {topic} projects.",
    "My students will use the {item} daily.",
    'As one student said, \\"I can\'t wait to use the {item}!\\"',
    "Your donation will give my {a} students {item} they'll use all year.",
    "We'll share our {a} {topic} work with families at the end of the year.",
)
_PLACES = ("rural", "urban", "suburban", "small", "diverse", "growing", "busy", "friendly")
_TITLES = (
    "{A} {Topic} for Our Class!",
    "Help Us Love {Topic}",
    "{Item} for {A} Learners",
    "{A} Minds Need {Item}",
)
_BRANDS = ("Scholastic", "Apple", "Lakeshore", "Amazon", "Best Buy", "Kaplan", "Office Depot")
_NEWLINE = "\\r\\n\\r\\n"  # the real essays hold these as literal backslash sequences


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _describing(rng: np.random.Generator, p: float) -> str:
    """An engaging word with probability ``p``, else a plain one: this is where the label's signal enters."""
    return _pick(rng, _ENGAGING if rng.random() < p else _PLAIN)


def _sentences(
    rng: np.random.Generator,
    bank: Sequence[str],
    k: int,
    p: float,
    topics: Sequence[str],
    items: Sequence[str],
) -> str:
    """``k`` different sentences of ``bank`` with their slots filled; describing words carry ``p``."""
    out = []
    for index in rng.choice(len(bank), size=k, replace=False):
        text = bank[index]
        while "{a}" in text:
            text = text.replace("{a}", _describing(rng, p), 1)
        slots = {"topic": _pick(rng, topics), "item": _pick(rng, items), "place": _pick(rng, _PLACES)}
        slots.update(town=_pick(rng, _TOWNS), pct=str(rng.integers(40, 100)), count=str(rng.integers(18, 35)))
        out.append(text.format(**slots))
    return " ".join(out)


def _project(
    rng: np.random.Generator, index: int, project_id: str, state_effect: dict[str, float]
) -> tuple[list[object], list[list[object]], float]:
    """One train.csv row, its resources.csv rows and its approval score (higher = more likely)."""
    q = rng.normal()
    p = 1.0 / (1.0 + np.exp(-1.5 * q))
    main = _pick(rng, list(_SUBJECTS))
    picked = [main]
    if rng.random() < 0.35:  # about a third of real projects list two categories
        picked.append(_pick(rng, list(_SUBJECTS)))
    picked = list(dict.fromkeys(picked))
    _, topics, items, effect = _SUBJECTS[main]
    subcategories = list(dict.fromkeys(_pick(rng, _SUBJECTS[c][0]) for c in picked))
    grade = _pick(rng, list(_GRADES))
    prefix = str(rng.choice(list(_PREFIXES), p=[0.52, 0.36, 0.1, 0.015, 0.005]))
    if rng.random() < 0.002:  # a few real rows have no prefix
        prefix = ""
    state = _pick(rng, _STATES)
    previous = int(np.exp(rng.normal(0.8, 1.4))) if rng.random() < 0.7 else 0
    resources: list[list[object]] = []
    total = 0.0
    for _ in range(int(rng.integers(1, 6))):
        quantity = int(rng.integers(1, 11)) if rng.random() < 0.6 else 1
        price = round(float(np.exp(rng.normal(3.0, 1.1))), 2)
        total += quantity * price
        description = f"{_pick(rng, _BRANDS)} {_pick(rng, items).title()} - Pack"
        resources.append([project_id, description, quantity, f"{price:.2f}"])
    with_number = rng.random() < 0.4
    essays = [
        _sentences(rng, _STUDENT_SENTENCES, int(rng.integers(3, 6)), p, topics, items),
        _sentences(rng, _PROJECT_SENTENCES, int(rng.integers(3, 6)), p, topics, items),
    ]
    if rng.random() < 0.25:  # the older four-essay format
        essays = [*essays[0].split(". ", 1), *essays[1].split(". ", 1)]
    else:
        essays = [essays[0].replace(". ", "." + _NEWLINE, 1), essays[1]]
    essays = [*essays, "", "", ""][:4]
    count = f"{rng.integers(2, 30)} " if with_number else ""
    summary = f"My students need {count}{_pick(rng, items)} to learn {topics[0]}."
    fill = {"A": _describing(rng, p).title(), "Topic": topics[0].title(), "Item": items[0].title()}
    month, day, hour, minute = (int(rng.integers(1, n)) for n in (13, 29, 24, 60))
    stamp = f"{2016 if month >= 5 else 2017}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:00"
    teacher = "".join(f"{b:02x}" for b in rng.integers(0, 256, 16))
    score = (
        1.6 * q
        + effect
        + _GRADES[grade]
        + _PREFIXES.get(prefix, 0.0)
        + state_effect[state]
        + 0.3 * np.log1p(previous)
        - 0.45 * (np.log(total) - 4.5)
        + 0.3 * with_number
        + rng.normal(0.0, 0.7)
    )
    categories, subs = ", ".join(picked), ", ".join(subcategories)
    title = _pick(rng, _TITLES).format(**fill)
    row: list[object] = [index, project_id, teacher, prefix, state, stamp, grade, categories, subs, title]
    return [*row, *essays, summary, previous, 0], resources, float(score)


def generate(
    n_projects: int, seed: int, token: CancelToken | None = None, emit: Emit | None = None
) -> tuple[list[list[object]], list[list[object]]]:
    """Rows of train.csv (with a leading "Unnamed: 0" index) and of resources.csv.

    Args:
        n_projects: How many projects (train rows); resources have 1–5 rows each.
        seed: Everything, labels included, is a function of the seed (not of the token or emit).
        token: Checked every :data:`CHUNK` projects. Defaults to None.
        emit: Receives ``Progress("generating projects", done, n_projects)`` as often. Defaults to None.
    """
    rng = np.random.default_rng(seed)
    state_effect = {s: float(e) for s, e in zip(_STATES, rng.normal(0.0, 0.2, len(_STATES)), strict=True)}
    ids = rng.choice(900_000, size=n_projects, replace=False) + 10_000
    train_rows: list[list[object]] = []
    resource_rows: list[list[object]] = []
    scores = np.empty(n_projects)
    for i in range(n_projects):
        if i % CHUNK == 0:
            if emit is not None:
                emit(Progress("generating projects", i, n_projects))
            if token is not None:
                token.raise_if_cancelled()
        row, resources, scores[i] = _project(rng, i, f"p{ids[i]:06d}", state_effect)
        train_rows.append(row)
        resource_rows.extend(resources)
    approved = scores > np.quantile(scores, 0.15)  # ~85 % approved, as in the real data
    for row, flag in zip(train_rows, approved, strict=True):
        row[-1] = int(flag)
    return train_rows, resource_rows
