"""Benchmark of the duplicate look-up and pairs (claims.similarity) on a 10k-node map.

    python bench/similarity.py [--nodes 10000] [--queries 200] [--edits 20] [--seed 0]

The map is generate_map(--nodes) (claims/synthetic.py); its titles ("Crux 123") are
all alike, so each node gets a sentence of 6-12 words drawn from the vocabulary of
fixtures/alignment.argmap.json (and a text of 15-40 words), deterministic per seed;
--planted of them are near-copies of another node (one word changed), which the
pairs must find. Timed in memory (no database: a look-up adds the map's row, the
live nodes' (id, revision) and <= 7 nodes by id; the edits read the changed node):
cold = fitting the index (a process's first look-up of the map), warm = scoring one
typed title against it, after add / retitle = index_update for one node added or
retitled plus the look-up (what the first look-up after that edit pays), pairs =
duplicate_pairs (tracemalloc peak). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import os  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "argmap.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/argmap_bench")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from claims import similarity  # noqa: E402
from claims.synthetic import generate_map  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def corpus(nodes: int, seed: int, planted: int) -> tuple[list[str], list[str], list[str]]:
    data = json.loads((REPO / "fixtures" / "alignment.argmap.json").read_text())
    words = sorted(
        {
            w
            for n in data["nodes"]
            for w in re.findall(r"[a-z]{3,}", (n["title"] + " " + n.get("text", "")).lower())
        }
    )
    rng = np.random.default_rng(seed)
    synthetic = generate_map(nodes, seed=seed)["nodes"]
    titles, docs = [], []
    for _ in synthetic:
        title = " ".join(rng.choice(words, rng.integers(6, 13))).capitalize()
        text = " ".join(rng.choice(words, rng.integers(15, 41)))
        titles.append(title)
        docs.append(similarity.node_document(title, text))
    for i in range(planted):  # node 2i+1 retyped as node 2i with one word changed
        a, b = 2 * i, 2 * i + 1
        parts = titles[a].split()
        parts[len(parts) // 2] = str(rng.choice(words))
        titles[b] = " ".join(parts)
        docs[b] = similarity.node_document(titles[b], "")
    return words, titles, docs


def build(titles: list[str], docs: list[str]) -> similarity.SimilarityIndex:
    """index_build without the database."""
    chars, words = similarity._counts(titles, docs)
    weights = similarity.Weights.fit(chars, words)
    n = len(docs)
    return similarity.SimilarityIndex(
        map_id=0,
        graph_version=0,
        signature="",
        node_ids=np.arange(n, dtype=np.int64),
        revisions=np.ones(n, dtype=np.int64),
        weights=weights,
        char_matrix=similarity._weighted(chars, weights.chars),
        word_matrix=similarity._weighted(words, weights.words),
    )


def lookup(index: similarity.SimilarityIndex, title: str, limit: int = 5) -> list[int]:
    scores = index.scores(title, title)
    top = np.argpartition(-scores, limit)[: limit + 2]
    return [int(i) for i in top[np.argsort(-scores[top])] if scores[i] >= similarity.SIMILAR_FLOOR]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--planted", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    vocabulary, titles, docs = corpus(args.nodes, args.seed, args.planted)
    cold = []
    for _ in range(3):
        t = time.perf_counter()
        index = build(titles, docs)
        cold.append((time.perf_counter() - t) * 1000)
    rng = np.random.default_rng(args.seed + 1)
    queries = [titles[i][:-3] + "ly" for i in rng.integers(0, len(titles), args.queries)]
    warm, hits = [], 0
    for q in queries:
        t = time.perf_counter()
        found = lookup(index, q)
        warm.append((time.perf_counter() - t) * 1000)
        hits += bool(found)

    # Edits: the in-memory texts stand in for the database read of the changed node.
    texts = {i: (titles[i], docs[i], 1) for i in range(len(titles))}

    def stored(_map_id, node_ids):
        rows = [(int(i), *texts[int(i)]) for i in sorted(node_ids)]
        return (
            np.array([r[0] for r in rows], dtype=np.int64),
            np.array([r[3] for r in rows], dtype=np.int64),
            [r[1] for r in rows],
            [r[2] for r in rows],
        )

    similarity._texts = stored
    after = {"add": [], "retitle": []}
    found_edit = 0
    live = index
    for e in range(args.edits):
        for what in ("add", "retitle"):
            title = " ".join(rng.choice(vocabulary, 8)).capitalize()
            if what == "add":
                node = len(texts)
                texts[node] = (title, similarity.node_document(title), 1)
            else:
                node = int(rng.integers(0, args.nodes))
                texts[node] = (title, similarity.node_document(title), texts[node][2] + 1)
            ids = np.array(sorted(texts), dtype=np.int64)
            revisions = np.array([texts[i][2] for i in ids], dtype=np.int64)
            t = time.perf_counter()
            live = similarity.index_update(
                live, graph_version=e + 1, ids=ids, revisions=revisions, signature=str(e)
            )
            found = lookup(live, title)
            after[what].append((time.perf_counter() - t) * 1000)
            found_edit += bool(found) and int(live.node_ids[found[0]]) == node

    tracemalloc.start()
    t = time.perf_counter()
    similarity.index_for = lambda _map: index  # the pairs on the fitted index
    pairs = similarity.duplicate_pairs(None)
    pairs_ms = (time.perf_counter() - t) * 1000
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    listed = {(a, b) for a, b, _ in pairs}
    planted = sum((2 * i, 2 * i + 1) in listed for i in range(args.planted))
    q = lambda v, p: float(np.percentile(v, p))  # noqa: E731
    print(
        "| nodes | cold build ms (median of 3) | warm look-up ms median / p95"
        " | queries with a suggestion | look-up after an add ms median / p95"
        " | after a retitle ms median / p95 | edited node found first"
        " | pairs ms | pairs | planted pairs found | pairs peak MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.nodes} | {statistics.median(cold):.0f} | {q(warm, 50):.2f} / {q(warm, 95):.2f} |"
        f" {hits}/{len(queries)} | {q(after['add'], 50):.2f} / {q(after['add'], 95):.2f} |"
        f" {q(after['retitle'], 50):.2f} / {q(after['retitle'], 95):.2f} |"
        f" {found_edit}/{2 * args.edits} | {pairs_ms:.0f} | {len(pairs)} |"
        f" {planted}/{args.planted} | {peak:.0f} |"
    )


if __name__ == "__main__":
    main()
