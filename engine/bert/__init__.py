"""BERT features for the review-classification lab.

- ``encoder``: our own TensorFlow BERT encoder (a ``tf.Module``) with the TF Hub encoder signature.
- ``convert``: the all-MiniLM-L6-v2 safetensors weights → a TF Hub-format SavedModel in the cache dir.
- ``tokenizer``: tensorflow-text WordPiece tokenization to the three int32 model inputs, grader checks.
- ``embeddings``: the one encoder code path (``hub.load`` of a SavedModel dir), batched and cached.
- ``head``: the Keras 3 classifier head; ``analysis``: PCA of embeddings and predicted class counts.
- ``checks``: the graders' checks on model inputs (numpy).

``encoder``, ``tokenizer``, ``embeddings`` and ``head`` import TensorFlow/Keras: import them inside a
job. ``checks``, ``analysis`` and ``convert`` (until it converts) are cheap.
"""

#: Embedding choices: the encoder's ``pooled_output``, or ``sequence_output`` averaged over real tokens.
POOLINGS = ("pooled", "mean")
