"""What the HTML forms share: showing a service's refusal where the person will see it."""

from django import forms

from core.errors import ArgmapError


def add_service_error(
    form: forms.Form, error: ArgmapError, *, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's refusal next to the field it names (or above the form).

    A service names fields by their API paths (`nodes[3].title`, `password`);
    `aliases` maps a path to the form's own field where the names differ.
    """
    placed = False
    for path, messages in error.fields.items():
        field = (aliases or {}).get(path) or path.split(".")[0].split("[")[0]
        if field in form.fields:
            for message in messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)
