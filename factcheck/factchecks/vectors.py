"""The library's sentence vectors: stored with the entries, searched through an HNSW index.

Every entry's claim and headline get a vector (all-MiniLM-L6-v2, see ``encoder.py``)
after the entry is stored: encoding costs some 10 ms a text on two cores, so an
import stores the entries at once and :func:`encode_pending` adds the vectors in
batches (the command line does it before it returns; the web and the API hand it to
background work).

The vectors themselves live in the database (float16, 768 bytes each), which stays
the one source of truth. The nearest-neighbour search is a ``usearch`` HNSW index
held by each process and cached on disk. It is only a cache: each search first
catches up with the vectors stored since (``vector_seq`` orders them), and the
candidates it returns are read again from the tables, so a withdrawn or changed
entry is never shown from the cache. SQLite's vector extension has no approximate
index (it scans every vector) and PostgreSQL's pgvector is not installed here, so
one library serves both backends the same way.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from factcheck.factchecks.encoder import DIMENSIONS, shared_encoder
from factcheck.factchecks.models import FactCheck, LibraryStats
from factcheck.factchecks.stats import STATS_ID, stats_row

#: Entries encoded (and committed, by the caller) at a time.
ENCODE_BATCH = 256
#: A process saves its index to disk after adding at least this many vectors, so that
#: the next process starts from the file instead of building it again.
SAVE_AFTER = 5_000
_CATCH_UP_BATCH = 20_000


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(data: bytes | None) -> np.ndarray | None:
    if not data:
        return None
    return np.frombuffer(data, dtype=np.float16).astype(np.float32)


def pending(session: Session) -> int:
    """How many entries still wait for their vectors."""
    return (
        session.scalar(
            select(func.count()).select_from(FactCheck).where(FactCheck.claim_vector.is_(None))
        )
        or 0
    )


def encode_pending(
    session: Session,
    *,
    limit: int | None = None,
    batch: int = ENCODE_BATCH,
    progress: Callable[[int], None] | None = None,
    commit: Callable[[], None] | None = None,
) -> list[int]:
    """Work out the vectors of entries that have none (oldest first); their ids.

    :param commit: called after each batch (the command line commits there, so a long
        run keeps what it did if stopped).
    """
    encoder = shared_encoder()
    done: list[int] = []
    while limit is None or len(done) < limit:
        size = batch if limit is None else min(batch, limit - len(done))
        rows = session.execute(
            select(FactCheck.id, FactCheck.claim, FactCheck.headline)
            .where(FactCheck.claim_vector.is_(None))
            .order_by(FactCheck.id)
            .limit(size)
        ).all()
        if not rows:
            break
        texts: list[str] = []
        for _, claim, headline in rows:
            texts.append(claim)
            if headline and headline.strip() and headline.strip() != claim.strip():
                texts.append(headline)
        vectors = iter(encoder.encode(texts))
        stats = stats_row(session, for_update=True)
        first = stats.vectors_stored + 1
        # The first vectors of a library name it anew: an index a process built for a
        # library since emptied (a test rolled back, a database restored) is not reused.
        token = secrets.token_hex(8) if not stats.vectors_stored else stats.token
        session.execute(
            update(LibraryStats)
            .where(LibraryStats.id == STATS_ID)
            .values(vectors_stored=LibraryStats.vectors_stored + len(rows), token=token)
        )
        values: list[dict[str, Any]] = []
        for offset, (entry_id, claim, headline) in enumerate(rows):
            claim_vector = next(vectors)
            has_headline = headline and headline.strip() and headline.strip() != claim.strip()
            headline_vector = next(vectors) if has_headline else claim_vector
            values.append(
                {
                    "id": entry_id,
                    "claim_vector": to_bytes(claim_vector),
                    "headline_vector": to_bytes(headline_vector),
                    "vector_seq": first + offset,
                }
            )
        session.execute(update(FactCheck), values)
        done += [entry_id for entry_id, _, _ in rows]
        if commit is not None:
            commit()
        if progress is not None:
            progress(len(rows))
    return done


def _usearch() -> Any:
    """usearch's Index class, loaded on first use (a process that never matches -- the
    CLI, an export -- does not load it and ONNX Runtime)."""
    # ONNX Runtime must be loaded before usearch: usearch loads its NumKong kernels
    # into the process's global symbol namespace, and an ONNX Runtime loaded after that
    # crashes on import (1.23 and later, SIGSEGV in libstdc++) or builds corrupt graphs
    # (1.22).
    import onnxruntime  # noqa: F401
    from usearch.index import Index

    return Index


def _empty_index() -> Any:
    return _usearch()(ndim=DIMENSIONS, metric="cos", dtype="i8")


class VectorIndex:
    """One database's library vectors in an HNSW index (keys: entry id * 2 + 0 for the
    claim, + 1 for the headline)."""

    def __init__(self, token: str, directory: Path | None) -> None:
        self.token = token
        self._path = directory / f"{token}.usearch" if directory is not None else None
        self._lock = threading.Lock()
        self._index = _empty_index()
        self._seen = 0
        self._unsaved = 0
        if self._path is not None and self._path.exists():
            try:
                meta = json.loads(self._path.with_suffix(".json").read_text("utf-8"))
                self._index = _usearch().restore(str(self._path))
                self._seen = int(meta["seen"])
            except (OSError, ValueError, KeyError, RuntimeError):
                # A damaged cache is built again from the tables.
                self._index = _empty_index()
                self._seen = 0

    def catch_up(self, session: Session, stored: int) -> None:
        """Add the vectors stored since this index last looked."""
        if stored == self._seen:
            return
        with self._lock:
            if stored < self._seen:
                # The library lost vectors this index has (a database restored from an
                # older copy): start again from the tables.
                self._index = _empty_index()
                self._seen = 0
            while True:
                rows = session.execute(
                    select(
                        FactCheck.id,
                        FactCheck.claim_vector,
                        FactCheck.headline_vector,
                        FactCheck.vector_seq,
                    )
                    .where(FactCheck.vector_seq > self._seen)
                    .order_by(FactCheck.vector_seq)
                    .limit(_CATCH_UP_BATCH)
                ).all()
                if not rows:
                    break
                keys = np.empty(len(rows) * 2, dtype=np.uint64)
                vectors = np.empty((len(rows) * 2, DIMENSIONS), dtype=np.float32)
                for i, (entry_id, claim_vector, headline_vector, _) in enumerate(rows):
                    keys[2 * i] = entry_id * 2
                    keys[2 * i + 1] = entry_id * 2 + 1
                    vectors[2 * i] = np.frombuffer(claim_vector, dtype=np.float16)
                    vectors[2 * i + 1] = np.frombuffer(headline_vector, dtype=np.float16)
                # An entry encoded again (our verdict's text changed) replaces its vectors.
                present = (
                    [key for key in keys.tolist() if key in self._index] if len(self._index) else []
                )
                if present:
                    self._index.remove(present)
                self._index.add(keys, vectors)
                self._seen = int(rows[-1][3])
                self._unsaved += len(rows)
            if self._path is not None and self._unsaved >= SAVE_AFTER:
                self._save()

    def _save(self) -> None:
        assert self._path is not None
        self._path.parent.mkdir(parents=True, exist_ok=True)
        partial = self._path.with_suffix(".partial")
        self._index.save(str(partial))
        partial.replace(self._path)
        self._path.with_suffix(".json").write_text(json.dumps({"seen": self._seen}), "utf-8")
        self._unsaved = 0

    def nearest(self, vector: np.ndarray, count: int) -> list[tuple[int, float]]:
        """(entry id, cosine) of up to ``count`` entries nearest ``vector`` (by claim or
        headline, whichever is nearer), nearest first."""
        if len(self._index) == 0:
            return []
        with self._lock:
            found = self._index.search(np.asarray(vector, dtype=np.float32), count * 2)
        best: dict[int, float] = {}
        for key, distance in zip(found.keys.tolist(), found.distances.tolist(), strict=True):
            entry_id = key // 2
            cosine = 1.0 - float(distance)
            if cosine > best.get(entry_id, -2.0):
                best[entry_id] = cosine
        return sorted(best.items(), key=lambda item: -item[1])[:count]

    def __len__(self) -> int:
        return len(self._index)


_INDEXES: dict[tuple[str, str], VectorIndex] = {}
_INDEXES_LOCK = threading.Lock()


def vector_index(session: Session, directory: Path | None) -> VectorIndex:
    """This database's index, caught up with every stored vector."""
    stats = session.scalars(select(LibraryStats).where(LibraryStats.id == STATS_ID)).first()
    token = stats.token if stats is not None else ""
    key = (str(session.get_bind().engine.url), token)
    with _INDEXES_LOCK:
        index = _INDEXES.get(key)
        if index is None:
            index = VectorIndex(token, directory)
            _INDEXES[key] = index
    index.catch_up(session, stats.vectors_stored if stats is not None else 0)
    return index


def forget_indexes() -> None:
    """Drop every process-held index (tests that recreate a database)."""
    with _INDEXES_LOCK:
        _INDEXES.clear()


def encode_texts(texts: Sequence[str]) -> np.ndarray:
    return shared_encoder().encode(list(texts))
