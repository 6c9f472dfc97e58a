import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.selectors import map_get
from claims.services.imports import parse_argmap
from core.errors import ArgmapError
from cruxes import ranking
from cruxes.services import ranking_prune, ranking_snapshot, ranking_store


class Command(BaseCommand):
    help = "Rank a stored map (by slug) or an argmap JSON v1 file (--file), synchronously."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?")
        parser.add_argument("--file", help="rank this argmap file without touching the database")
        parser.add_argument("--json", action="store_true", help="print the ranking as JSON")
        parser.add_argument("--limit", type=int, default=None)

    def handle(self, *args: object, **options: object) -> None:
        if bool(options["slug"]) == bool(options["file"]):
            raise CommandError("give either a map SLUG or --file PATH")
        try:
            if options["file"]:
                try:
                    data = Path(str(options["file"])).read_bytes()
                except OSError as exc:
                    raise CommandError(f"cannot read {options['file']}: {exc.strerror}") from exc
                nodes, edges = ranking.inputs_from_argmap(parse_argmap(data))
                version = None
                result = ranking.rank(nodes, edges)
            else:
                the_map = map_get(slug=str(options["slug"]))
                version, nodes, edges = ranking_snapshot(the_map.pk)
                result = ranking.rank(nodes, edges)
                ranking_store(map_id=the_map.pk, version=version, result=result, duration_ms=0)
                ranking_prune(map_id=the_map.pk)
        except ArgmapError as exc:
            for problem in exc.problems():
                self.stderr.write(problem)
            raise CommandError("cannot rank: invalid input") from exc
        out = result.to_json(version)
        if options["limit"] is not None:
            out["cruxes"] = out["cruxes"][: options["limit"]]
        if options["json"]:
            self.stdout.write(json.dumps(out, indent=2, ensure_ascii=False))
            return
        for frame in out["frames"]:
            self.stdout.write(f"frame {frame['id']}: strength {frame['strength']:.3f}")
        for crux in out["cruxes"]:
            self.stdout.write(f"{crux['rank']:>4}  {crux['score']:.4f}  {crux['id']}")
