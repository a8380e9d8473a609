"""The embedded default corpus of the text-CNN lab: newsgroup-style posts generated from a seed.

The posts imitate 20 Newsgroups closely enough that every preprocessing step has work to do:
``From:``/``Subject:``/``Organization:`` headers, e-mail addresses (some ``.com``), ``In article <...>``
attributions, quoted ``>`` lines, bracketed asides, person names and multi-word place/product names,
contractions, digits, ``x_word`` tokens, signatures, and a few Latin-1 bytes that are not valid
UTF-8. Each class has its own topic words; sentences also borrow words from other classes, so the
task is learnable but not trivial. Files are written as ``<class>_<id>.txt`` like the real data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine import manifest
from engine.jobs import Emit, Progress, warning_note
from engine.paths import cache_dir

#: Bump when the generator or the cache layout changes, so cached corpora are rebuilt. (5: posts in
#: ``posts/`` beside a manifest; 4 was published by renaming a folder marked COMPLETE.)
VERSION = 5
DEFAULT_SEED = 1993
POSTS_PER_CLASS = 150

#: Class -> (topic words, capitalised multi-word names, subject phrases).
TOPICS: dict[str, tuple[str, str, str]] = {
    "comp.graphics": (
        "polygon shading raytracer texture render pixel bitmap vertex palette jpeg gif viewer "
        "animation rendering image format conversion algorithm curves spline",
        "Silicon Graphics|Autodesk Studio|Paint Shop",
        "fast polygon fill|jpeg to gif converter|raytracer for dos|texture mapping help",
    ),
    "comp.sys.ibm.pc.hardware": (
        "motherboard jumper bios floppy controller drive ide scsi cache ram simm card slot "
        "cmos boot harddisk megabyte chipset modem serial",
        "Western Digital|Gateway Computers|Pentium Processor",
        "ide vs scsi|bios upgrade question|floppy drive not detected|ram simm speed",
    ),
    "rec.autos": (
        "engine transmission clutch brakes tires sedan dealer mileage gasoline horsepower "
        "wagon coupe mechanic warranty radiator exhaust turbo highway",
        "Ford Motor Company|Toyota Camry|Chevy Blazer",
        "best family sedan|clutch slipping|dealer warranty rip off|winter tires",
    ),
    "rec.sport.hockey": (
        "goalie playoffs puck penalty defenseman scored season league rink skate coach "
        "overtime trade roster standings faceoff power play",
        "Detroit Red Wings|New Jersey Devils|Stanley Cup",
        "playoff predictions|best goalie ever|trade rumours|overtime rules",
    ),
    "sci.space": (
        "orbit shuttle launch satellite lunar rocket mission astronaut payload booster "
        "telescope spacecraft propulsion gravity planetary station",
        "Hubble Space Telescope|Kennedy Space Center|Space Station Freedom",
        "shuttle launch delayed|lunar base cost|cheap orbit access|hubble repair mission",
    ),
    "sci.med": (
        "doctor patient symptoms diagnosis treatment disease infection allergy migraine "
        "medication clinical therapy chronic dosage vitamin physician",
        "Mayo Clinic|Food and Drug Administration|New England Journal",
        "chronic migraine|vitamin dosage|allergy treatment|lyme disease symptoms",
    ),
    "sci.crypt": (
        "encryption clipper chip key escrow cipher algorithm pgp privacy wiretap "
        "plaintext decrypt security backdoor protocol public private",
        "National Security Agency|Clipper Chip|Electronic Frontier Foundation",
        "clipper chip proposal|key escrow|pgp legality|des is broken",
    ),
    "talk.politics.guns": (
        "firearms handgun rifle ammunition amendment ban militia permit weapons "
        "legislation constitution criminals concealed carry police",
        "Second Amendment|National Rifle Association|Waco Texas",
        "assault weapon ban|concealed carry permit|second amendment debate|waco raid",
    ),
    "soc.religion.christian": (
        "gospel scripture church faith prayer bible salvation sin grace worship "
        "resurrection apostle testament baptism doctrine heaven",
        "Holy Spirit|New Testament|Catholic Church",
        "gospel dating|prayer in school|salvation by faith|baptism question",
    ),
    "misc.forsale": (
        "sale offer shipping condition price asking obo sell brand box manual excellent "
        "cheap used stereo camera cassette bargain",
        "Sony Walkman|Nintendo Entertainment System|Radio Shack",
        "stereo for sale|camera lens cheap|moving sale|nintendo games obo",
    ),
}
CLASS_NAMES: tuple[str, ...] = tuple(TOPICS)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_GENERAL = _words(
    "really think people time thing problem question anyone know good better every year "
    "work point answer reason idea fact world system number information help"
)
_SURNAMES = _words("Smith Miller Jones Keller Novak Garcia Rossi Larsen Becker Dubois Young Walsh")
_FIRST = _words("John Mary Peter Susan Karl Olga Pierre Sofia Brian Linda Hans Nancy")
_HOSTS = _words("cs.umd.edu nyx.cs.du.edu netcom.com athena.mit.edu uiuc.edu cmu.edu sun.com well.sf.ca.us")
_ORGS = ("University of Maryland", "Netcom Online Services", "Carnegie Mellon University", "Sun Microsystems")
_TEMPLATES = (
    "I think the {t} is {g} than the {t} you had.",
    "Does anyone know if the {t} can work with a {t}?",
    "We've had this {t} since {year} and it's been {g}.",
    "It won't help the {t} unless the {t} is fixed (see {names} for {t}).",
    "I can't say the {t} matters, but the {t} is what they'd look at.",
    "My {t} cost ${digits} and I'm still not sure about the {t}.",
    "The {names} people said the {t} was {g}.",
    "{first} {last} told me the {t} and the {t} are the same {g}.",
    "Check <{t}> and the d_{t} notes before you post about the {t}.",
    "You'll find {digits} {t} reports; they're mostly about the {t}.",
)
# Latin-1 bytes as old newsreaders wrote them: invalid as UTF-8 on their own.
_LATIN1_WORDS = (b"caf\xe9", b"na\xefve", b"\x93quoted\x94", b"M\xfcnchen", b"se\xf1or")


def _email(rng: np.random.Generator) -> str:
    name = f"{rng.choice(_FIRST).lower()}{int(rng.integers(1, 99))}"
    return f"{name}@{rng.choice(_HOSTS)}"


def _sentence(rng: np.random.Generator, label: int, mix: float) -> str:
    own, names = TOPICS[CLASS_NAMES[label]][0].split(), TOPICS[CLASS_NAMES[label]][1].split("|")

    def topic_word() -> str:
        # Some words come from another class: the task should be learnable, not trivial.
        if rng.random() < mix:
            other = TOPICS[CLASS_NAMES[int(rng.integers(len(CLASS_NAMES)))]][0].split()
            return str(rng.choice(other))
        return str(rng.choice(own))

    template = str(rng.choice(_TEMPLATES))
    while "{t}" in template:
        template = template.replace("{t}", topic_word(), 1)
    return template.format(
        g=rng.choice(_GENERAL),
        year=int(rng.integers(1985, 1994)),
        digits=int(rng.integers(2, 5000)),
        names=rng.choice(names),
        first=rng.choice(_FIRST),
        last=rng.choice(_SURNAMES),
    )


def generate_post(rng: np.random.Generator, label: int, mix: float = 0.4) -> bytes:
    """One post of class ``label`` as the bytes of a file (usually UTF-8, sometimes with Latin-1)."""
    subject = str(rng.choice(TOPICS[CLASS_NAMES[label]][2].split("|")))
    author, quoted_author = _email(rng), _email(rng)
    first, last = rng.choice(_FIRST), rng.choice(_SURNAMES)
    # A few long posts (FAQs, rants) give the length distribution the long tail real newsgroups have.
    n_sentences = int(rng.integers(40, 90)) if rng.random() < 0.04 else int(rng.integers(4, 12))
    body = [_sentence(rng, label, mix) for _ in range(n_sentences)]
    quoted = [f"> {_sentence(rng, label, mix)}" for _ in range(int(rng.integers(0, 4)))]
    lines = [
        f"From: {author} ({first} {last})",
        f"Subject: {'Re: ' if quoted else ''}{subject}",
        f"Organization: {rng.choice(_ORGS)}",
        f"Lines: {len(body) + len(quoted) + 4}",
        "",
    ]
    if quoted:
        lines.append(
            f"In article <{int(rng.integers(10**5, 10**6))}@{rng.choice(_HOSTS)}>, {quoted_author} writes:"
        )
        lines += [*quoted, ""]
    lines += [" ".join(body[i : i + 3]) for i in range(0, len(body), 3)]
    if rng.random() < 0.2:
        lines.append(f"Write to: {rng.choice(_FIRST)} at {_email(rng)}")
    lines += [
        "",
        "-- ",
        f"{first} {last}\t| {author} | {int(rng.integers(100, 999))}-{int(rng.integers(1000, 9999))}",
    ]
    data = "\n".join(lines).encode("utf-8")
    if rng.random() < 0.05:
        data += b"\n" + _LATIN1_WORDS[int(rng.integers(len(_LATIN1_WORDS)))] + b"\n"
    return data


def generate_corpus(
    folder: Path, seed: int = DEFAULT_SEED, per_class: int = POSTS_PER_CLASS, emit: Emit | None = None
) -> Path:
    """Write ``per_class`` posts per class to ``folder`` as ``<class>_<id>.txt`` (deterministic)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total = per_class * len(CLASS_NAMES)
    for i in range(total):
        label = i % len(CLASS_NAMES)
        post_id = 50000 + i * 7 + int(rng.integers(0, 7))  # ids look like the real ones, never repeat
        (folder / f"{CLASS_NAMES[label]}_{post_id}.txt").write_bytes(generate_post(rng, label))
        if emit is not None and (i + 1) % 64 == 0:
            emit(Progress("generating corpus", i + 1, total))
    return folder


def default_corpus(seed: int = DEFAULT_SEED, emit: Emit | None = None) -> Path:
    """The embedded corpus folder in the cache dir, generated on first use.

    The posts are written to a private temporary folder and renamed into place with a manifest
    (:mod:`engine.manifest`: every file's size and checksum, and the post count): two threads or
    processes generating at once each write their own copy (identical: same seed) and the first
    rename wins; an interrupted generation leaves no folder that looks finished; a post that was
    truncated, edited or deleted later is found on the next load, and the corpus is generated again
    (the log says so).
    """
    entry = cache_dir("text_cnn") / f"newsgroups-v{VERSION}-seed{seed}"

    def build(partial: Path) -> dict[str, int]:
        generate_corpus(partial / "posts", seed, emit=emit)
        return {"posts": sum(1 for _ in (partial / "posts").iterdir())}

    expect = {"posts": POSTS_PER_CLASS * len(CLASS_NAMES), "seed": seed}
    manifest.ensure(
        entry, build, label="the embedded newsgroup corpus", expect=expect, note=warning_note(emit)
    )
    return entry / "posts"
