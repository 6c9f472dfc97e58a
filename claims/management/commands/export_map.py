import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.models import Map
from claims.selectors import ExportProgress, map_export_chunks, map_get
from core.errors import NotFound


class Command(BaseCommand):
    help = (
        "Export a map as canonical argmap JSON v2 (deterministic bytes) with its node and "
        "edge votes, streamed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: object, **options: object) -> None:
        try:
            the_map = map_get(slug=str(options["slug"]))
        except NotFound as exc:
            raise CommandError(exc.message) from exc
        progress = _terminal_progress() if self.stderr.isatty() else None
        try:
            if options["output"]:
                _write_file(Path(str(options["output"])), the_map, progress)
            else:
                for chunk in map_export_chunks(map=the_map, progress=progress):
                    sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
        finally:
            if progress is not None:
                progress.close()


def _write_file(target: Path, the_map: Map, progress: ExportProgress | None) -> None:
    """Write the export piece by piece as the rows arrive (memory stays flat).

    A regular file is written under a temporary name and renamed at the end, so
    a failed export leaves no half-written file; a pipe or device is written directly.
    """
    direct = target.exists() and not target.is_file()
    partial = target if direct else target.with_name(f".{target.name}.partial")
    try:
        with partial.open("wb") as out:
            for chunk in map_export_chunks(map=the_map, progress=progress):
                out.write(chunk)
        if not direct:
            partial.replace(target)
    except BaseException:
        if not direct:
            partial.unlink(missing_ok=True)
        raise


class _terminal_progress:  # noqa: N801 (used like a function)
    """A tqdm bar per export stage (edge votes, edges, nodes, votes), shown only on a terminal."""

    def __init__(self) -> None:
        self.bars: dict[str, object] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            self.close()  # the stages come one after the other: one bar at a time
            bar = self.bars[stage] = tqdm(
                total=total, desc=stage, unit="row", leave=False, file=sys.stderr
            )
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()  # closing twice is harmless
