"""A learner's correct solution of the text CNN lab's preprocessing exercises."""

import re
import string

EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"


def email_domains(text):
    pieces = []
    for address in re.findall(EMAIL, text):
        domain = address.split("@")[1]
        pieces += [p for p in domain.split(".") if len(p) > 2 and p != "com"]  # MISTAKE-com
    return " ".join(pieces)


def subject_of(text):
    for line in text.split("\n"):
        if line.startswith("Subject:"):
            words = [w for w in line.split() if not w.endswith(":")]
            words = [w.translate(str.maketrans("", "", string.punctuation)) for w in words]
            return " ".join(w for w in words if w)
    return ""


def clean_text(text):
    text = re.sub(r"^(From|Write to):.*$", "", text, flags=re.MULTILINE)
    text = re.sub(r"<[^<>]*>", " ", text)
    text = re.sub(r"\([^()]*\)", " ", text)
    text = re.sub(r"[\n\t\-\\]", " ", text)
    text = re.sub(r"\S+:(?=\s|$)", " ", text)
    for short, long in (
        ("won't", "will not"),
        ("can't", "can not"),
        ("n't", " not"),
        ("'re", " are"),
        ("'s", " is"),
        ("'d", " would"),
        ("'ll", " will"),
        ("'ve", " have"),
        ("'m", " am"),
    ):
        text = text.replace(short, long)
    return text
