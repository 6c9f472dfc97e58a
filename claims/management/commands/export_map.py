import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.errors import NotFound
from claims.selectors import map_export_bytes, map_get


class Command(BaseCommand):
    help = "Export a map as canonical argmap JSON v1 (deterministic bytes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: object, **options: object) -> None:
        try:
            the_map = map_get(slug=str(options["slug"]))
        except NotFound as exc:
            raise CommandError(exc.message) from exc
        data = map_export_bytes(map=the_map)
        if options["output"]:
            Path(str(options["output"])).write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
