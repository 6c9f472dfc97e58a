#!/usr/bin/env python
"""Django's command-line utility for argmap."""

import os
import shlex
import sys

# With DEBUG off (the default, as in production) the settings refuse to load
# without a real SECRET_KEY, DATABASE_URL and REDIS_URL. Defaulting DEBUG on
# here would be friendlier on a fresh checkout but wrong on a server: a
# forgotten variable would let `migrate` or `createsuperuser` quietly run
# against the embedded SQLite file with the development key. So the refusal
# stands, and a command stopped by it prints what is wrong and the fix in two
# lines instead of a traceback.
DEVELOPMENT_FIX = (
    "On a development checkout, turn DEBUG on as `make run` does: "
    "DEBUG=1 .venv/bin/python manage.py {command}"
)


def settings_problem() -> str | None:
    """Why the settings refuse to load, or None when they load."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from argmap.env import ImproperlyConfiguredEnv

    try:
        settings.INSTALLED_APPS  # noqa: B018 (loads the settings module)
    except (ImproperlyConfigured, ImproperlyConfiguredEnv) as exc:
        return str(exc)
    return None


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "argmap.settings")
    problem = settings_problem()
    if problem is not None:
        print(f"manage.py: {problem}", file=sys.stderr)
        debug = os.environ.get("DEBUG", "").strip().lower()
        if debug in ("", "0", "false", "no", "off"):
            command = shlex.join(sys.argv[1:]) or "help"
            print(DEVELOPMENT_FIX.format(command=command), file=sys.stderr)
        sys.exit(2)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
