import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.formats import argmap as argmap_format
from claims.synthetic import generate_map


class Command(BaseCommand):
    help = (
        "Write a synthetic argmap map (claims.synthetic) in canonical form (JSON v2); "
        "the bytes depend only on --nodes and --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--nodes", type=int, required=True, help="number of nodes (>= 1)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: object, **options: object) -> None:
        nodes, seed = int(options["nodes"]), int(options["seed"])  # type: ignore[arg-type]
        if nodes < 1:
            raise CommandError("--nodes must be at least 1")
        bar = _terminal_bar(self.stderr, nodes)
        try:
            bar.set_description("generate")
            doc = generate_map(nodes, seed=seed)
            bar.update(1)
            bar.set_description("serialise")
            data = argmap_format.dumps(doc)
            del doc
            bar.update(1)
            bar.set_description("write")
            if options["output"]:
                Path(str(options["output"])).write_bytes(data)
            else:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            bar.update(1)
        finally:
            bar.close()


def _terminal_bar(stream: object, nodes: int):
    """A three-step tqdm bar on a terminal (generate, serialise, write); silent otherwise."""
    from tqdm import tqdm

    return tqdm(
        total=3,
        desc="generate",
        unit="step",
        leave=False,
        file=sys.stderr,
        disable=not stream.isatty(),  # type: ignore[attr-defined]
        postfix=f"{nodes:,} nodes",
    )
