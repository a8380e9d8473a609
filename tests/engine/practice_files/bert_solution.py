"""A learner's correct solution of the BERT lab's exercises."""

import unicodedata


def review_label(score):
    if score == 3:
        return None
    return 1 if score > 3 else 0


def wordpieces(word, vocab):
    pieces = []
    start = 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                break
            end -= 1
        if end == start:
            return ["[UNK]"]
        pieces.append(piece)
        start = end
    return pieces


def tokenize(text, vocab, max_len):
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    words = []
    for chunk in text.split():
        current = ""
        for c in chunk:
            if unicodedata.category(c).startswith("P") or c in "$+<=>^`|~":
                if current:
                    words.append(current)
                words.append(c)
                current = ""
            else:
                current += c
        if current:
            words.append(current)
    ids = [vocab[p] for w in words for p in wordpieces(w, vocab)][: max_len - 2]  # MISTAKE-sep
    ids = [vocab["[CLS]"], *ids, vocab["[SEP]"]]
    pad = max_len - len(ids)
    return {
        "input_word_ids": ids + [0] * pad,
        "input_mask": [1] * len(ids) + [0] * pad,
        "input_type_ids": [0] * max_len,
    }
