"""A learner's correct solution of the LSTM lab's exercises."""

import math
from collections import Counter


def join_essays(row):
    parts = []
    for column in ("project_essay_1", "project_essay_2", "project_essay_3", "project_essay_4"):
        text = (row.get(column) or "").strip()
        if text not in ("", "nan", "NaN", "NULL", "null", "None"):
            parts.append(text)
    return " ".join(parts)


def idf(documents):
    df = Counter()
    for document in documents:
        df.update(set(document.split()))
    n = len(documents)
    return {word: math.log((1 + n) / (1 + count)) + 1 for word, count in df.items()}


def keep_band(text, idf, low, high):
    return " ".join(w for w in text.split() if w in idf and low <= idf[w] <= high)
