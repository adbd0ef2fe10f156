"""The all-MiniLM-L6-v2 encoder (ONNX Runtime, int8) reproduces the model's known behaviour."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from factcheck.factchecks import encoder as encoder_module
from factcheck.factchecks.encoder import DIMENSIONS, SentenceEncoder, shared_encoder

EATING = "A man is eating food."
BREAD = "A man is eating a piece of bread."
MARKET = "The stock market fell sharply today."
LONG = (
    "The minister said on Tuesday that the new border policy would reduce the number of "
    "asylum applications by half within a year, a claim that independent researchers "
    "at two universities described as unsupported by the government's own figures."
)


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    # Loading takes a fraction of a second, but once per module is plenty.
    return shared_encoder()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_shape_dtype_and_unit_rows(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode([EATING, BREAD, MARKET])
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode([])
    assert vectors.shape == (0, DIMENSIONS)
    assert vectors.dtype == np.float32


def test_similarity_matches_the_published_model(encoder: SentenceEncoder) -> None:
    # sentence-transformers' own example pair: all-MiniLM-L6-v2 scores it 0.7553. The
    # int8 graph scores 0.7549; quantising per batch instead of per token gave 0.764.
    eating, bread, market = encoder.encode([EATING, BREAD, MARKET])
    assert abs(cosine(eating, bread) - 0.7553) < 0.003
    assert cosine(eating, eating) == pytest.approx(1.0, abs=1e-6)
    assert cosine(market, eating) < 0.3


def test_order_is_kept_when_lengths_differ(encoder: SentenceEncoder) -> None:
    # Texts are sorted by length internally; results must come back in input order.
    together = encoder.encode([LONG, EATING, MARKET, BREAD])
    alone = np.vstack([encoder.encode([text]) for text in (LONG, EATING, MARKET, BREAD)])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_batch_size_does_not_change_results(encoder: SentenceEncoder) -> None:
    texts = [LONG, EATING, BREAD, MARKET, "", "Vaccines", LONG[:80]]
    one_batch = encoder.encode(texts, batch_size=32)
    for batch_size in (1, 2, 3):
        np.testing.assert_allclose(
            encoder.encode(texts, batch_size=batch_size), one_batch, atol=1e-5
        )


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t", "\x00", "a\x00b", "word " * 20_000, "x" * 100_000, "🙂" * 1000],
    ids=["empty", "whitespace", "nul", "embedded-nul", "100k-words", "100k-chars", "emoji"],
)
def test_odd_texts_encode_to_finite_unit_vectors(encoder: SentenceEncoder, text: str) -> None:
    (vector,) = encoder.encode([text])
    assert np.isfinite(vector).all()
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_long_texts_are_cut_at_256_tokens(encoder: SentenceEncoder) -> None:
    # Whatever follows the first 254 word pieces is not seen by the model.
    start = "word " * 300
    first, second = encoder.encode([start + "cats", start + "an entirely different ending"])
    np.testing.assert_allclose(first, second, atol=1e-6)


def test_a_single_string_is_refused(encoder: SentenceEncoder) -> None:
    # A str is a Sequence[str] of characters; encoding each letter is never meant.
    with pytest.raises(TypeError):
        encoder.encode(EATING)  # type: ignore[arg-type]


def test_shared_encoder_is_built_once_under_concurrent_first_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[SentenceEncoder] = []

    class CountingEncoder(SentenceEncoder):
        def __init__(self) -> None:
            super().__init__()
            built.append(self)

    # A fresh, not yet loaded singleton; monkeypatch puts the module's one back after.
    monkeypatch.setattr(encoder_module, "_shared", None)
    monkeypatch.setattr(encoder_module, "SentenceEncoder", CountingEncoder)
    start = threading.Barrier(4)
    seen: list[SentenceEncoder] = []

    def first_use() -> None:
        start.wait()
        seen.append(shared_encoder())

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert all(instance is built[0] for instance in seen)
    assert len(seen) == 4


def test_a_vector_does_not_depend_on_the_texts_encoded_with_it(encoder: SentenceEncoder) -> None:
    # Inputs are quantised per token: a claim's vector at import (in a batch of
    # thousands) must equal its vector when it is matched alone.
    alone = encoder.encode([EATING])[0]
    crowd = [LONG * 3, "PRICES ROSE BY 1,000,000% !!!", MARKET, "x", EATING, BREAD] * 6
    in_crowd = encoder.encode(crowd)[4]
    np.testing.assert_allclose(in_crowd, alone, atol=1e-6)


def _fresh_python(script: str) -> str:
    """What ``script`` prints, run in a new interpreter (import order is what is tested)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_onnx_runtime_works_when_usearch_is_loaded_first() -> None:
    # usearch puts its kernels in the global symbol namespace; an ONNX Runtime loaded
    # after that crashes (1.23+) or builds corrupt graphs (1.22). vectors.py loads
    # ONNX Runtime first when it first makes an index; a fresh interpreter shows the
    # order holds.
    script = (
        "from factcheck.factchecks.vectors import VectorIndex\n"
        "VectorIndex('order-test', None)\n"
        "from factcheck.factchecks.encoder import SentenceEncoder\n"
        "print(SentenceEncoder().encode(['A man is eating food.']).shape)\n"
    )
    assert _fresh_python(script) == "(1, 384)"


def test_the_app_starts_without_loading_the_matching_libraries() -> None:
    # A process that never matches (the command line, an export) does not pay ONNX
    # Runtime's, ONNX's and usearch's import time and memory.
    script = (
        "import sys\n"
        "from config import TestingConfig\n"
        "from factcheck import create_app\n"
        "create_app(TestingConfig)\n"
        "print(sorted(m for m in ('onnxruntime', 'onnx', 'usearch') if m in sys.modules))\n"
    )
    assert _fresh_python(script) == "[]"
