import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from claims.models import Contribution, Map
from claims.services import map_import, map_steward_set, owner_account_ensure
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
        parser.add_argument(
            "--owner",
            metavar="USERNAME",
            help="the map's owner; an absent account is created without a usable password "
            "(set one with `manage.py changepassword USERNAME`). With --if-absent, an "
            "existing map that has no owner gets this one",
        )
        parser.add_argument(
            "--contribution",
            choices=Contribution.values,
            default=Contribution.CLOSED,
            help="closed (default): owner and editors add to the map; open: anyone signed in",
        )

    def handle(self, *args: object, **options: object) -> None:
        path = str(options["path"])
        try:
            data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        progress = _terminal_progress(self.stderr) if self.stderr.isatty() else None
        contribution = str(options["contribution"])
        try:
            # The owner's account and the map are made together, or neither is.
            with transaction.atomic():
                owner = None
                if options["if_absent"]:
                    from claims.services.imports import parse_argmap

                    slug = options["slug"] or parse_argmap(data)["map"]["slug"]
                    existing = Map.objects.filter(slug=slug).first()
                    if existing is not None:
                        self.stdout.write(f"map '{slug}' already present; nothing imported")
                        # A map seeded before it had an owner gets one now (and the
                        # policy it would have been seeded with); an owned map is left alone.
                        if existing.owner_id is not None or not options["owner"]:
                            return
                        owner = owner_account_ensure(username=str(options["owner"]))
                        if map_steward_set(map=existing, owner=owner, contribution=contribution):
                            self.stdout.write(
                                f"map '{slug}' had no owner: now owned by "
                                f"'{owner.get_username()}', {contribution}"
                            )
                        return
                if options["owner"]:
                    owner = owner_account_ensure(username=str(options["owner"]))
                result = map_import(
                    data=data,
                    owner=owner,
                    replace=bool(options["replace"]),
                    slug=options["slug"],  # type: ignore[arg-type]
                    contribution=contribution,
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
            + (f"; owner '{owner.get_username()}', {contribution}" if owner else "")
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
