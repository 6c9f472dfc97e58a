"""The double crux and my view through the API on the synthetic 10k map (issue 18: under 300 ms).

    BENCH_DATABASE_URL=... BENCH_REDIS_URL=... python bench/double_crux_api.py \
        [--nodes 10000] [--seed 0] [--repeat 5]

Imports the synthetic map (claims.synthetic; its users and votes) into the benchmark
database once (bench/common.py), adds two "heavy" voters, bench-ann and bench-ben, with a
credence on every crux and frame (ben's the opposite of ann's, so that frames are disputed
and the double crux has ~thousands of rows), who share with each other, and asks through
Django's test client in this process (DEBUG off), signed in as ann:

* GET /api/v1/maps/SLUG/double-crux/?with=bench-ben (the first 50 rows, the default);
* GET /api/v1/maps/SLUG/double-crux/?with=USER for the synthetic user with the most votes
  and the next one (who shares with everyone);
* GET /api/v1/maps/SLUG/me/.

Each at four temperatures, median (min-max) over --repeat:

* **cold, after a run**: the first request after the ranking worker's run at this version,
  in a web process that has answered nothing at it: the cache backend holds only what the
  run left (the compiled graph, cruxes.engine_cache; the benchmark runs the worker's
  service in this process first), this process's rankings are forgotten: two engine runs
  (one per side; my view: the community's and mine), the comparison, the answer rendered;
* **cold, a vote since the run**: the same, but a vote by someone else came after the run
  (the half second before the worker ranks it): the compiled map is brought up to date by
  reading that node's votes;
* **cold, nothing cached**: the cache backend cleared too (a new version the worker has not
  reached yet, or a cache flush): the engine's inputs read from the database and compiled
  as well;
* **rankings warm**: the inputs and the sides' rankings in this process, the answer not
  in the cache backend (another page size, or another pair with a side already ranked);
* **warm**: the answer in the cache backend (the same request again at the same version).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TARGET_S = 0.3


def ensure_map(nodes: int, seed: int):
    import tempfile

    from claims.models import Map, Node

    slug = f"synthetic-{nodes}-{seed}"
    found = Map.objects.filter(slug=slug).first()
    if found is None or Node.objects.filter(map=found).count() != nodes:
        with tempfile.TemporaryDirectory(prefix="argmap-bench-") as tmp:
            path = str(Path(tmp, "map.json"))
            common.manage("generate_map", "--nodes", str(nodes), "--seed", str(seed), "-o", path)
            common.manage("import_map", "--replace", path)
    return Map.objects.get(slug=slug)


def heavy_voters(the_map, seed: int):
    """bench-ann and bench-ben, a credence on every crux and frame, opposite each other."""
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.db.models import F

    from claims.models import Map
    from cruxes.models import ShareAudience, Vote
    from cruxes.sharing import sharing_set

    users = get_user_model().objects
    ann = users.get_or_create(username="bench-ann")[0]
    ben = users.get_or_create(username="bench-ben")[0]
    Vote.objects.filter(user__in=[ann, ben], node__map=the_map).delete()
    nodes = list(the_map.nodes.filter(kind__in=["crux", "frame"]).only("pk", "revision"))
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.05, 0.95, len(nodes)).round(3)
    votes = []
    for user, values in ((ann, x), (ben, (1.0 - x).round(3))):
        votes += [
            Vote(user=user, node=n, credence=float(v), node_revision=n.revision)
            for n, v in zip(nodes, values.tolist(), strict=True)
        ]
    Vote.objects.bulk_create(votes, batch_size=2000)
    Map.objects.filter(pk=the_map.pk).update(graph_version=F("graph_version") + 1)
    sharing_set(user=ben, map=the_map, audience=ShareAudience.CHOSEN, viewers=["bench-ann"])
    sharing_set(user=ann, map=the_map, audience=ShareAudience.EVERYONE)
    return ann, ben


def top_voters(the_map) -> list:
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from cruxes.models import ShareAudience
    from cruxes.sharing import sharing_set

    users = list(
        get_user_model()
        .objects.filter(votes__node__map=the_map)
        .exclude(username__startswith="bench-")
        .annotate(n=Count("votes"))
        .order_by("-n", "username")[:1]
    )
    for user in users:
        sharing_set(user=user, map=the_map, audience=ShareAudience.EVERYONE)
    return users


COLD_AFTER_RUN, COLD = "cold, after a run", "cold, nothing cached"
COLD_AFTER_VOTE = "cold, a vote since the run"


def after_a_run(the_map) -> dict:
    """What the ranking worker's run at the map's version leaves in the cache backend for
    the web processes (the compiled graph): the worker's service, run in this process."""
    from django.core.cache import cache

    from cruxes.engine_cache import _key
    from cruxes.services import ranking_compute

    cache.clear()
    ranking_compute(map_id=the_map.pk)
    left = {_key(the_map.pk): cache.get(_key(the_map.pk))}
    if None in left.values():
        raise SystemExit("the ranking run left no compiled graph in the cache")
    return left


def a_vote_since() -> None:
    """A vote by another voter on a random crux after the run: the half second before
    the worker ranks it (the compiled map is brought up to date by that node's votes)."""
    import random

    from django.contrib.auth import get_user_model

    from claims.models import Node
    from cruxes.services import vote_cast

    voter = get_user_model().objects.get_or_create(username="bench-cal")[0]
    cruxes = Node.objects.filter(map__slug__startswith="synthetic-", kind="crux")
    crux = random.choice(list(cruxes.values_list("pk", flat=True)[:500]))
    vote_cast(
        user=voter, node=Node.objects.get(pk=crux), credence=round(random.uniform(0.05, 0.95), 2)
    )


def timed(client, url: str, params: dict, forget: str, left_by_run: dict) -> float:
    from django.core.cache import cache

    from cruxes.personal_views import forget_local

    if forget in (COLD_AFTER_RUN, COLD_AFTER_VOTE, COLD, "rankings warm"):
        cache.clear()  # the benchmark's own Redis db
    if forget in (COLD_AFTER_RUN, COLD_AFTER_VOTE, COLD):
        forget_local()
    if forget in (COLD_AFTER_RUN, COLD_AFTER_VOTE):
        cache.set_many(left_by_run)
    if forget == COLD_AFTER_VOTE:
        a_vote_since()
    started = time.perf_counter()
    response = client.get(url, params)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} {params}: {response.status_code} {response.content[:300]!r}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    common.bench_environment()
    common.ensure_database()
    common.setup_django()
    from django.test import Client

    print(f"# double crux and my view through the API, {args.nodes:,} nodes\n", flush=True)
    print(common.machine(), flush=True)
    the_map = ensure_map(args.nodes, args.seed)
    ann, _ = heavy_voters(the_map, args.seed)
    first = top_voters(the_map)[0]
    common.analyze_tables()
    left_by_run = after_a_run(the_map)
    client = Client()
    client.force_login(ann)
    slug = the_map.slug
    dc, me = f"/api/v1/maps/{slug}/double-crux/", f"/api/v1/maps/{slug}/me/"
    probe = client.get(dc, {"with": "bench-ben", "limit": 500}).json()
    cases = [
        (f"double crux, heavy pair (3,010 credences each; {len(probe['frames'])} frames "
         f"disputed, first 50 of ≥{len(probe['cruxes'])} rows)", dc, {"with": "bench-ben"}),
        (f"double crux, heavy voter with {first.username} ({first.n} votes)", dc,
         {"with": first.username}),
        ("my view, heavy voter", me, {}),
    ]  # fmt: skip
    rows = []
    for label, url, params in cases:
        for temperature in (COLD_AFTER_RUN, COLD_AFTER_VOTE, COLD, "rankings warm", "warm"):
            times = []
            for _ in range(args.repeat):
                if temperature == "warm":
                    timed(client, url, params, "none", left_by_run)  # the answer cached
                elif temperature == "rankings warm":
                    timed(client, url, params, COLD, left_by_run)  # rankings in this process
                times.append(timed(client, url, params, temperature, left_by_run))
            med = statistics.median(times)
            rows.append(
                [label, temperature, common.median_range(times, "{:.3f}"),
                 common.verdict(med, TARGET_S)]
            )  # fmt: skip
            print(f"  {label}, {temperature}: {med:.3f} s", file=sys.stderr, flush=True)
            if temperature == COLD_AFTER_VOTE:
                left_by_run = after_a_run(the_map)  # the worker's run at the votes' version
    print()
    print(common.table(["request", "cache", "s, median (min-max)", f"< {TARGET_S} s"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
