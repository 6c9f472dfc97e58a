"""What the HTML forms share: showing a service's refusal where the person will see it,
in plain words.

The services name what they refuse with short labels per field (`duplicate edge`,
`self-loop`, `stale: current revision is 3`): right for the API, jargon on a page.
This module is the one place that turns them into sentences a person reads next to
the field.
"""

from django import forms

from core.errors import ArgmapError

# (field, the service's label) -> the sentence shown next to that field.
PLAIN_WORDS: dict[tuple[str, str], str] = {
    ("target", "duplicate edge"): "These two are already linked.",
    ("kind", "duplicate edge"): "These two are already linked this way.",
    ("target", "self-loop"): "A node can't support itself (nor undermine itself): "
    "pick another node.",
    ("target", "not in this map"): "That node is in another map: link nodes of this map only.",
    ("target", "subframe cycle"): "That would make a circle of subframes: a frame can't be "
    "a subframe of its own subframe.",
    ("target", "would close a cycle through undercuts"): "That would make the argument "
    "circular: the target already depends on this node through an undercut.",
    ("target_edge", "would close a cycle through undercuts"): "That would make the argument "
    "circular: this node already depends on what that argument concludes.",
    ("target", "no longer exists"): "That node was deleted a moment ago.",
    ("target_edge", "no longer exists"): "That argument was deleted a moment ago.",
    ("target_edge", "unknown edge"): "That argument was deleted a moment ago.",
    ("target_edge", "duplicate undercut"): "This node already undercuts that argument.",
    ("kind", "frame to frame only"): "Only a frame can be a subframe, and only of a frame.",
    ("kind", "cannot change to or from undercuts"): "An undercut stays an undercut: delete "
    "it and link again instead.",
    ("id", "taken"): "That edge id already exists in this map: pick another or leave it empty.",
    ("key", "taken"): "That id already exists in this map: pick another or leave it empty.",
    ("weight", "must be a number between 0 and 1"): "The weight is a number from 0 to 1.",
}

# Labels that start with these words (they go on to name an edge kind).
PLAIN_PREFIXES: dict[tuple[str, str], str] = {
    ("target_edge", "cannot undercut a"): "That link can't be undercut: only supports and "
    "undermines edges can be undercut.",
    ("target_edge", "not allowed on"): "Only an undercut names an argument: leave this empty.",
    ("group", "not allowed on"): "Only supports and undermines arguments form linked groups.",
}

STALE = (
    "Someone edited this{thing} since you opened it — here is their version; "
    "your edit was not saved: make it again on theirs."
)


def stale_message(thing: str = "") -> str:
    """What an edit that lost the race to another editor's says (code stale_revision)."""
    return STALE.format(thing=f" {thing}" if thing else "")


def plain_words(field: str, label: str) -> str | None:
    """The plain sentence for a service's label on `field`, when there is one."""
    if (field, label) in PLAIN_WORDS:
        return PLAIN_WORDS[field, label]
    for (f, prefix), sentence in PLAIN_PREFIXES.items():
        if f == field and label.startswith(prefix):
            return sentence
    return None


def add_service_error(
    form: forms.Form,
    error: ArgmapError,
    *,
    aliases: dict[str, str] | None = None,
    whole_message: bool = False,
    thing: str = "",
) -> None:
    """Show a service's refusal next to the field it names (or above the form).

    A service names fields by their API paths (`nodes[3].title`, `password`);
    `aliases` maps a path to the form's own field where the names differ. A label
    with plain words gets them; any other shows as the service gave it, or with
    `whole_message` the service's whole sentence (rules that need it: which group,
    which cycle). A hidden field's refusal (the revision an edit was based on) is
    said above the form, never as "(Hidden field …)".
    """
    if error.code == "stale_revision":
        form.add_error(None, stale_message(thing))
        return
    placed = False
    for path, messages in error.fields.items():
        field = (aliases or {}).get(path) or path.split(".")[0].split("[")[0]
        if field not in form.fields or form.fields[field].widget.is_hidden:
            continue
        plain = [plain_words(field, m) for m in messages]
        if whole_message and not all(plain):
            form.add_error(field, error.message)
        else:
            for message, sentence in zip(messages, plain, strict=True):
                form.add_error(field, sentence or message)
        placed = True
        if whole_message:
            return  # the whole sentence once, at the first field it names
    if not placed:
        sentences = [plain_words(p.split(".")[0], m) for p, ms in error.fields.items() for m in ms]
        form.add_error(None, next((s for s in sentences if s), None) or error.message)
