"""Which nodes of a map say the same thing: the duplicate look-up and the pairs list.

The method (issue 17) is TF-IDF cosine, two views of each node's words blended, no
model to download:

* **characters**: n-grams of 3 to 5 characters inside words (``char_wb``) of the
  *title*, so that "deceptive" and "deceptively", "alignment" and "aligned" share
  most of their features, and typos cost a few n-grams, not the word. Titles are
  where duplicates show; reading the text here too cost 4x the time for no gain;
* **words**: whole words of the title and the start of the text (``TEXT_CHARS``)
  without English stop words, after stripping a few common suffixes (``_stem``), so
  that two nodes sharing their rare words score high even when their short words
  differ.

``score = CHAR_WEIGHT * cos_chars + WORD_WEIGHT * cos_words``, in [0, 1] since both
cosines are of non-negative vectors. The characters carry most of the weight because
paraphrases share stems more often than exact words; the words keep a title's
frequent n-grams ("tion", "the ") from making unrelated long texts look alike.

Only live nodes count: not hidden (``hidden_at``) and not merged (``merged_into``).

Speed (issue 17: every look-up under 100 ms on a 10k-node map, also the first after
an edit; figures from bench/similarity.py in its docstring):

* **Features are hashed** (scikit-learn's ``HashingVectorizer``, no vocabulary) and
  weighted by an IDF (``Weights``) frozen when the index was fitted. A node added or
  reworded later is vectorised alone with the same weights, and its new words still
  count (a vocabulary would drop them until the next fit).
* **Incremental index**: the fitted index of a map is kept in this process
  (``_INDEXES``, a small LRU keyed by map id) with each row's (node id, revision).
  On a graph_version miss one query reads the live nodes' (id, revision): unchanged
  (a vote, an edge) -> the index is kept; a few rows added, reworded, hidden or
  merged -> only those rows are vectorised and the others kept (``index_update``,
  milliseconds); the weights are refitted only when the map changed by more than
  ``REFIT_SHARE`` of its rows since the fit, or on a cold start.
* **Cold start** (first look-up of a map in a process) fits everything. The worker
  warms its own index in ``duplicates_refresh``; a web process pays one cold fit per
  map, then only updates. (Sharing a pickled index through Redis was measured: 20 MB,
  ~230 ms to load on the loaded machine; not worth it while a fit is ~2 s once.)
* **Pairs** (``duplicate_pairs``) are found in two steps: candidates from a sparse
  product of the views without their commonest features (``PAIR_COMMON_SHARE``:
  "the", "tion" join everything and decide nothing), each node's best
  ``PAIR_CANDIDATES``; then the exact blended score of the candidates only. No
  node-by-all-nodes dense block is ever made. On a 3000-node bench map this lists
  159 of the 160 pairs an exhaustive n x n product finds (at 0.01 it was 138).

Measured (``.venv/bin/python bench/similarity.py``, 10k nodes, 2 cores at load ~7):
cold fit 2.2 s (was 28 s); warm look-up 9 / 17 ms median / p95; the look-up right
after one node is added 18 / 36 ms, after one is retitled 27 / 46 ms (was a 28 s
refit); pairs 5.8 s (was 126 s), 130 MiB peak; 50 of 50 planted near-copies listed.
Through PostgreSQL on a 10k-node map (same load): reading the live (id, revision)
18 ms; ``similar_nodes`` right after a retitle 51 / 81 ms median / p95 (10 edits),
warm 24 ms; a cold ``index_for`` 1.4 s; ``duplicate_pairs`` 2.0 s.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.db import connections
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer
from sklearn.preprocessing import normalize

from claims.models import Map, Node

#: Weights of the two cosines in the score (they sum to 1).
CHAR_WEIGHT = 0.6
WORD_WEIGHT = 0.4
#: Look-ups list nodes scoring at least this: below it, suggestions are mostly noise
#: (on the fixture and the synthetic map, unrelated nodes score under ~0.15).
SIMILAR_FLOOR = 0.2
#: The moderators' list holds pairs scoring at least this (reworded claims: ~0.3-0.6;
#: the same claim retyped with small changes: above 0.7).
PAIR_THRESHOLD = 0.28
#: Each node's best few partners only: a node with many near-copies is one cluster to
#: review, not a quadratic list.
PAIR_TOP_K = 5
#: How much of a node's text is read with its title (by the word view).
TEXT_CHARS = 400
#: Fitted indexes kept per process (a 10k-node map's is ~25 MB).
INDEX_CACHE_SIZE = 8
#: Refit the weights when the rows added or reworded since the fit exceed this share
#: of the rows fitted: until then the frozen IDF is close enough.
REFIT_SHARE = 0.2
#: Hashed feature space of each view (collisions: a few in a million n-grams).
CHAR_FEATURES = 2**20
WORD_FEATURES = 2**18
#: Pairs: features in more than this share of the nodes are left out of the candidate
#: step (never out of the exact score).
PAIR_COMMON_SHARE = 0.02
#: Pairs: candidates scored exactly per node.
PAIR_CANDIDATES = 12
#: Rows per block of the candidate product: bounds the memory of one block.
PAIR_BLOCK_ROWS = 1024

_WORD = re.compile(r"[^\W\d_]{2,}")
# Longest first: "deceptively" -> "decept", "alignment" -> "align", "aligned" -> "align".
_SUFFIXES = (
    "ively",
    "ation",
    "ments",
    "ment",
    "ness",
    "ably",
    "ibly",
    "ive",
    "ing",
    "ion",
    "ies",
    "ly",
    "ed",
    "es",
    "er",
    "s",
)


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A word without one common English suffix (a stem long enough to stay specific)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _words(doc: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(doc.lower()) if w not in ENGLISH_STOP_WORDS]


def node_document(title: str, text: str = "") -> str:
    """What the similarity reads of a node (or of what someone is typing)."""
    return f"{title}\n{text[:TEXT_CHARS]}".strip()


# Stateless: hashing needs no fit, so every index (and every process) shares them.
_CHARS = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(3, 5),
    n_features=CHAR_FEATURES,
    alternate_sign=False,
    norm=None,
    dtype=np.float32,
)
_WORDS = HashingVectorizer(
    analyzer=_words,
    n_features=WORD_FEATURES,
    alternate_sign=False,
    norm=None,
    dtype=np.float32,
)


@dataclass(eq=False)
class Weights:
    """The IDF of each hashed feature of both views, fitted on ``rows`` documents."""

    rows: int
    chars: np.ndarray
    words: np.ndarray

    @classmethod
    def fit(cls, char_counts: sparse.csr_matrix, word_counts: sparse.csr_matrix) -> Weights:
        n = char_counts.shape[0]

        def idf(counts: sparse.csr_matrix) -> np.ndarray:
            df = np.bincount(counts.indices, minlength=counts.shape[1])
            # scikit-learn's smooth IDF: an unseen feature weighs most, never infinite.
            return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)

        return cls(rows=n, chars=idf(char_counts), words=idf(word_counts))


def _weighted(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear TF x IDF, rows of unit length (the cosine is then a dot product)."""
    counts = counts.tocsr()
    if not counts.shape[0]:  # normalize refuses an empty matrix
        return counts
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    return normalize(counts, copy=False)


def _counts(titles: list[str], docs: list[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    if not docs:  # the hasher refuses an empty list
        return (
            sparse.csr_matrix((0, CHAR_FEATURES), dtype=np.float32),
            sparse.csr_matrix((0, WORD_FEATURES), dtype=np.float32),
        )
    return _CHARS.transform(titles).tocsr(), _WORDS.transform(docs).tocsr()


@dataclass
class SimilarityIndex:
    """A map's live nodes, vectorised: row i is node ``node_ids[i]`` at ``revisions[i]``."""

    map_id: int
    graph_version: int
    signature: str
    node_ids: np.ndarray
    revisions: np.ndarray
    weights: Weights
    char_matrix: sparse.csr_matrix
    word_matrix: sparse.csr_matrix
    #: Rows vectorised since the weights were fitted (added or reworded nodes).
    changed_since_fit: int = 0

    def vectors(self, titles: list[str], docs: list[str]) -> tuple[sparse.csr_matrix, ...]:
        chars, words = _counts(titles, docs)
        return _weighted(chars, self.weights.chars), _weighted(words, self.weights.words)

    def scores(self, title: str, doc: str) -> np.ndarray:
        """Blended cosine of one (title, document) against each node, dense."""
        qc, qw = self.vectors([title], [doc])
        # Matrix x dense vector: one pass over the index's non-zeros, no transposed copy
        # (a sparse query column cost 4x: scipy builds a 2**20-row index for it).
        out = CHAR_WEIGHT * (self.char_matrix @ _dense(qc))
        out += WORD_WEIGHT * (self.word_matrix @ _dense(qw))
        return np.clip(out, 0.0, 1.0, out=out)


def _dense(row: sparse.csr_matrix) -> np.ndarray:
    vector = np.zeros(row.shape[1], dtype=np.float32)
    vector[row.indices] = row.data
    return vector


def _live_nodes(map_id: int):
    return Node.objects.filter(map_id=map_id, hidden_at__isnull=True, merged_into__isnull=True)


def _live_revisions(map_id: int) -> tuple[np.ndarray, np.ndarray, str]:
    """The live nodes' ids and revisions (by id) and their signature: what the index
    depends on."""
    query = _live_nodes(map_id).order_by("id").values_list("id", "revision")
    # The plain cursor: on a 10k-node map the ORM's per-row conversion was 3/4 of it.
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        pairs = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
    ids, revisions = pairs[:, 0].copy(), pairs[:, 1].copy()
    digest = hashlib.blake2b(ids.tobytes() + revisions.tobytes(), digest_size=16)
    return ids, revisions, digest.hexdigest()


def _signature(map_id: int) -> str:
    return _live_revisions(map_id)[2]


def _texts(map_id: int, node_ids) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    rows = list(
        _live_nodes(map_id)
        .filter(id__in=[int(i) for i in node_ids])
        .order_by("id")
        .values_list("id", "revision", "title", "text")
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    revisions = np.array([r[1] for r in rows], dtype=np.int64)
    return ids, revisions, [r[2] for r in rows], [node_document(r[2], r[3]) for r in rows]


def index_build(*, map_id: int, graph_version: int) -> SimilarityIndex:
    """Fit the weights and vectorise every live node of the map (the cold start)."""
    rows = list(_live_nodes(map_id).order_by("id").values_list("id", "revision", "title", "text"))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    revisions = np.array([r[1] for r in rows], dtype=np.int64)
    digest = hashlib.blake2b(ids.tobytes() + revisions.tobytes(), digest_size=16)
    chars, words = _counts([r[2] for r in rows], [node_document(r[2], r[3]) for r in rows])
    weights = Weights.fit(chars, words)
    return SimilarityIndex(
        map_id=map_id,
        graph_version=graph_version,
        signature=digest.hexdigest(),
        node_ids=ids,
        revisions=revisions,
        weights=weights,
        char_matrix=_weighted(chars, weights.chars),
        word_matrix=_weighted(words, weights.words),
    )


def index_update(
    index: SimilarityIndex,
    *,
    graph_version: int,
    ids: np.ndarray,
    revisions: np.ndarray,
    signature: str,
) -> SimilarityIndex | None:
    """The index brought to the live nodes (ids, revisions) with its weights kept.

    Rows of nodes gone (hidden, merged, deleted) or reworded are dropped; added and
    reworded nodes are read and vectorised alone. None when too much changed since
    the fit (``REFIT_SHARE``): the caller refits.
    """

    def keys(node_ids: np.ndarray, revs: np.ndarray) -> np.ndarray:
        return (node_ids << 24) | (revs & 0xFFFFFF)

    old, new = keys(index.node_ids, index.revisions), keys(ids, revisions)
    keep = _within(old, new)  # np.isin hashes both sides: 5x slower on 10k rows
    fresh = ids[~_within(new, old)]
    changed = index.changed_since_fit + len(fresh)
    if changed > REFIT_SHARE * max(index.weights.rows, 50):
        return None
    fresh_ids, fresh_revisions, titles, docs = _texts(index.map_id, fresh)
    if len(fresh_ids) != len(fresh):
        return None  # a node changed again meanwhile: refit from one consistent read
    qc, qw = index.vectors(titles, docs)
    return SimilarityIndex(
        map_id=index.map_id,
        graph_version=graph_version,
        signature=signature,
        node_ids=np.concatenate([index.node_ids[keep], fresh_ids]),
        revisions=np.concatenate([index.revisions[keep], fresh_revisions]),
        weights=index.weights,
        char_matrix=_rows(index.char_matrix, keep, qc),
        word_matrix=_rows(index.word_matrix, keep, qw),
        changed_since_fit=changed,
    )


def _within(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    """For each value, whether it is in `among` (by binary search)."""
    among = np.sort(among)
    if not len(among):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(among, values), len(among) - 1)
    return among[at] == values


def _rows(matrix: sparse.csr_matrix, keep: np.ndarray, fresh: sparse.csr_matrix):
    """The kept rows of matrix, then the fresh ones: plain array copies (scipy's row
    indexing and vstack took 3x as long on a 10k-node index)."""
    indptr, data, indices = matrix.indptr, matrix.data, matrix.indices
    if not keep.all():
        # Few rows go: copy the runs of kept rows between them.
        gone = np.flatnonzero(~keep)
        starts = np.concatenate([[0], indptr[gone + 1]])
        stops = np.concatenate([indptr[gone], [indptr[-1]]])
        data = np.concatenate([data[a:b] for a, b in zip(starts, stops, strict=True)])
        indices = np.concatenate([indices[a:b] for a, b in zip(starts, stops, strict=True)])
        indptr = np.concatenate([[0], np.cumsum(np.diff(indptr)[keep])])
    data = np.concatenate([data, fresh.data.astype(data.dtype, copy=False)])
    indices = np.concatenate([indices, fresh.indices.astype(indices.dtype, copy=False)])
    indptr = np.concatenate([indptr, fresh.indptr[1:] + indptr[-1]]).astype(indices.dtype)
    rows = len(indptr) - 1
    return sparse.csr_matrix((data, indices, indptr), shape=(rows, matrix.shape[1]))


_INDEXES: OrderedDict[int, SimilarityIndex] = OrderedDict()
_lock = threading.Lock()


def index_for(the_map: Map) -> SimilarityIndex:
    """The map's index, from this process's cache when current, else updated or built."""
    with _lock:
        cached = _INDEXES.get(the_map.pk)
        if cached is not None:
            _INDEXES.move_to_end(the_map.pk)
    if cached is not None and cached.graph_version == the_map.graph_version:
        return cached
    index = None
    if cached is not None:
        ids, revisions, signature = _live_revisions(the_map.pk)
        if cached.signature == signature:
            # Votes, edges, settings: the version moved but no wording did.
            index = dataclasses.replace(cached, graph_version=the_map.graph_version)
        else:
            index = index_update(
                cached,
                graph_version=the_map.graph_version,
                ids=ids,
                revisions=revisions,
                signature=signature,
            )
    if index is None:
        index = index_build(map_id=the_map.pk, graph_version=the_map.graph_version)
    with _lock:
        _INDEXES[the_map.pk] = index
        _INDEXES.move_to_end(the_map.pk)
        while len(_INDEXES) > INDEX_CACHE_SIZE:
            _INDEXES.popitem(last=False)
    return index


def index_cache_clear() -> None:
    with _lock:
        _INDEXES.clear()


def similar_nodes(
    map: Map, title: str, text: str = "", limit: int = 5, exclude_key: str | None = None
) -> list[tuple[Node, float]]:
    """The map's live nodes most like (title, text), best first, scoring >= SIMILAR_FLOOR.

    `map` must carry its current graph_version (as map_get_for_user fetched it).
    """
    doc = node_document(title, text)
    if not doc or limit < 1:
        return []
    index = index_for(map)
    if not len(index.node_ids):
        return []
    scores = index.scores(title.strip() or doc, doc)
    # A few spare candidates: the excluded node, or one hidden since the index was built.
    want = min(limit + 2, len(scores))
    top = np.argpartition(-scores, want - 1)[:want]
    top = [
        int(i) for i in top[np.argsort(-scores[top], kind="stable")] if scores[i] >= SIMILAR_FLOOR
    ]
    if not top:
        return []
    nodes = _live_nodes(map.pk).in_bulk([int(index.node_ids[i]) for i in top])
    found = []
    for i in top:
        node = nodes.get(int(index.node_ids[i]))
        if node is None or node.key == exclude_key:
            continue
        found.append((node, round(float(scores[i]), 4)))
        if len(found) == limit:
            break
    return found


def _without_common(matrix: sparse.csr_matrix, share: float) -> sparse.csr_matrix:
    """The matrix without the features in more than `share` of its rows."""
    n = matrix.shape[0]
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    rare = (df <= max(2, share * n))[matrix.indices]
    pruned = matrix.copy()
    pruned.data = np.where(rare, pruned.data, 0).astype(pruned.data.dtype)
    pruned.eliminate_zeros()
    return pruned


def _pair_scores(index: SimilarityIndex, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The exact blended score of each (rows[i], cols[i]) pair of index rows."""
    out = np.empty(len(rows), dtype=np.float32)
    step = 20_000
    for start in range(0, len(rows), step):
        r, c = rows[start : start + step], cols[start : start + step]
        score = (
            CHAR_WEIGHT
            * np.asarray(index.char_matrix[r].multiply(index.char_matrix[c]).sum(axis=1)).ravel()
        )
        score += (
            WORD_WEIGHT
            * np.asarray(index.word_matrix[r].multiply(index.word_matrix[c]).sum(axis=1)).ravel()
        )
        out[start : start + step] = score
    return np.clip(out, 0.0, 1.0, out=out)


def duplicate_pairs(
    map: Map, threshold: float = PAIR_THRESHOLD, top_k: int = PAIR_TOP_K
) -> list[tuple[int, int, float]]:
    """Pairs of live nodes (a_id < b_id, score) scoring >= threshold, best first.

    Each node keeps its top_k partners. Candidates come from the views without their
    commonest features (a pair of near-copies shares rare n-grams and words), then
    only the candidates are scored exactly.
    """
    index = index_for(map)
    ids = index.node_ids
    n = len(ids)
    if n < 2:
        return []
    chars = _without_common(index.char_matrix, PAIR_COMMON_SHARE)
    words = _without_common(index.word_matrix, PAIR_COMMON_SHARE)
    chars_t, words_t = chars.T.tocsr(), words.T.tocsr()
    k = min(PAIR_CANDIDATES, n - 1)
    cand_rows, cand_cols = [], []
    for start in range(0, n, PAIR_BLOCK_ROWS):
        stop = min(start + PAIR_BLOCK_ROWS, n)
        approx = (CHAR_WEIGHT * (chars[start:stop] @ chars_t)) + (
            WORD_WEIGHT * (words[start:stop] @ words_t)
        )
        approx = approx.tocsr()
        for r in range(stop - start):
            lo, hi = approx.indptr[r], approx.indptr[r + 1]
            cols, vals = approx.indices[lo:hi], approx.data[lo:hi]
            other = cols != start + r  # not with itself
            cols, vals = cols[other], vals[other]
            if not len(cols):
                continue
            if len(cols) > k:
                cols = cols[np.argpartition(-vals, k - 1)[:k]]
            cand_rows.append(np.full(len(cols), start + r, dtype=np.int64))
            cand_cols.append(cols.astype(np.int64))
    if not cand_rows:
        return []
    rows, cols = np.concatenate(cand_rows), np.concatenate(cand_cols)
    low, high = np.minimum(rows, cols), np.maximum(rows, cols)
    pairs = np.unique(np.stack([low, high], axis=1), axis=0)
    scores = _pair_scores(index, pairs[:, 0], pairs[:, 1])
    good = scores >= threshold
    pairs, scores = pairs[good], scores[good]
    # Each node's top_k partners: a pair stays when it is among the best of either node.
    order = np.argsort(-scores, kind="stable")
    taken = np.zeros(n, dtype=np.int64)
    best = []
    for i in order:
        a, b = int(pairs[i, 0]), int(pairs[i, 1])
        if taken[a] >= top_k and taken[b] >= top_k:
            continue
        taken[a] += 1
        taken[b] += 1
        ida, idb = int(ids[a]), int(ids[b])
        best.append((min(ida, idb), max(ida, idb), round(float(scores[i]), 4)))
    return sorted(best, key=lambda p: (-p[2], p[0], p[1]))
