import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.models import Map
from claims.services import map_import
from core.errors import ArgmapError


class Command(BaseCommand):
    help = "Import an argmap JSON file (version 2, or 1) as a new map (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="argmap JSON file ('-' for standard input)")
        parser.add_argument(
            "--replace", action="store_true", help="replace an existing map with the same slug"
        )
        parser.add_argument(
            "--if-absent",
            action="store_true",
            help="do nothing when a map with the file's slug already exists",
        )
        parser.add_argument("--slug", help="use this slug instead of the file's")

    def handle(self, *args: object, **options: object) -> None:
        path = str(options["path"])
        try:
            data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        progress = _terminal_progress(self.stderr) if self.stderr.isatty() else None
        try:
            if options["if_absent"]:
                from claims.services.imports import parse_argmap

                slug = options["slug"] or parse_argmap(data)["map"]["slug"]
                if Map.objects.filter(slug=slug).exists():
                    self.stdout.write(f"map '{slug}' already present; nothing imported")
                    return
            result = map_import(
                data=data,
                owner=None,
                replace=bool(options["replace"]),
                slug=options["slug"],  # type: ignore[arg-type]
                progress=progress,
            )
        except ArgmapError as exc:
            for problem in exc.problems():
                self.stderr.write(problem)
            raise CommandError(f"{path}: import refused, nothing was written") from exc
        finally:
            if progress is not None:
                progress.close()
        self.stdout.write(
            f"imported map '{result.slug}': {result.nodes} nodes, {result.edges} edges, "
            f"{result.votes} votes, {result.edge_votes} edge votes"
        )


class _terminal_progress:  # noqa: N801 (used like a function)
    """A tqdm bar per import stage, shown only on a terminal."""

    def __init__(self, stream: object) -> None:
        self.stream = stream
        self.bars: dict[str, object] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=stage, unit="row", leave=False)
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
