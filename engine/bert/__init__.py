"""BERT features for the review-classification lab.

- ``encoder``: our own TensorFlow BERT encoder (a ``tf.Module``) with the TF Hub encoder signature.
- ``convert``: the all-MiniLM-L6-v2 safetensors weights → a TF Hub-format SavedModel in the cache dir.
- ``tokenizer``: tensorflow-text WordPiece tokenization to the three int32 model inputs, grader checks.
- ``embeddings``: the one encoder code path (``hub.load`` of a SavedModel dir), batched and cached.
- ``head``: the Keras 3 classifier head, PCA of embeddings, predictions.

Every submodule except ``checks`` and ``convert``'s cheap helpers imports TensorFlow, so only import them
inside a job.
"""
