"""HTML forms: field validation for display; the services decide what is allowed."""

from django import forms

from claims.models import (
    KEY_MAX_LENGTH,
    QUOTE_MAX_LENGTH,
    RATIONALE_MAX_LENGTH,
    SOURCES_MAX,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Contribution,
    EdgeKind,
    MemberRole,
    NodeKind,
)

LINK_KINDS = [
    (EdgeKind.SUPPORTS, "supports (if true, the target is more likely)"),
    (EdgeKind.UNDERMINES, "undermines (if true, the target is less likely)"),
    (EdgeKind.RELATED, "is related to"),
    (EdgeKind.SUBFRAME_OF, "is a subframe of (frames only)"),
]


class AddNodeForm(forms.Form):
    kind = forms.ChoiceField(choices=[(NodeKind.CRUX, "crux"), (NodeKind.CLAIM, "claim")])
    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    text = forms.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    link_kind = forms.ChoiceField(choices=LINK_KINDS[:3], label="It")
    weight = forms.FloatField(
        min_value=0,
        max_value=1,
        initial=0.7,
        help_text="how strongly it bears on this node, 0 to 1",
    )


def _rationale_field() -> forms.CharField:
    return forms.CharField(
        max_length=RATIONALE_MAX_LENGTH,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="why the source bears on the target (plain text)",
    )


def _group_field() -> forms.CharField:
    return forms.CharField(
        max_length=KEY_MAX_LENGTH,
        required=False,
        label="Linked group",
        help_text="supports and undermines only: edges into one node with the same kind and "
        "group are one argument whose premises count only together",
    )


def _sources_field() -> forms.CharField:
    return forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="one per line: document | locator | quote (locator and quote optional)",
    )


def parse_sources(text: str) -> list[dict[str, str]]:
    """`document | locator | quote` lines as sources (the service checks their lengths)."""
    sources = []
    for i, line in enumerate(line for line in text.splitlines() if line.strip()):
        if i >= SOURCES_MAX:
            raise forms.ValidationError(f"at most {SOURCES_MAX} sources")
        document, _, rest = line.partition("|")
        locator, _, quote = rest.partition("|")
        if not document.strip():
            raise forms.ValidationError(f"line {i + 1}: a source needs a document")
        if len(quote.strip()) > QUOTE_MAX_LENGTH:
            raise forms.ValidationError(f"line {i + 1}: a quote has at most {QUOTE_MAX_LENGTH}")
        sources.append(
            {"document": document.strip(), "locator": locator.strip(), "quote": quote.strip()}
        )
    return sources


def sources_text(sources: list[dict[str, str]]) -> str:
    """Sources as the lines parse_sources reads back."""
    lines = []
    for s in sources:
        parts = [s["document"], s["locator"], s["quote"]]
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


class LinkForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            *LINK_KINDS,
            (EdgeKind.UNDERCUTS, "undercuts an argument (the edge named below)"),
        ],
        label="This node",
    )
    target = forms.CharField(
        max_length=TITLE_MAX_LENGTH,
        required=False,
        label="Target (title or key)",
        widget=forms.TextInput(attrs={"list": "node-titles", "autocomplete": "off"}),
    )
    target_edge = forms.CharField(
        max_length=KEY_MAX_LENGTH,
        required=False,
        label="Argument it undercuts (edge id)",
        help_text="undercuts only: the supports or undermines edge whose inference this "
        "node attacks",
        widget=forms.TextInput(attrs={"list": "edge-keys", "autocomplete": "off"}),
    )
    weight = forms.FloatField(min_value=0, max_value=1, initial=0.7)
    rationale = _rationale_field()
    sources = _sources_field()
    group = _group_field()
    key = forms.CharField(
        max_length=KEY_MAX_LENGTH,
        required=False,
        label="Edge id",
        help_text="optional; by default source--kind--target",
    )

    def clean_sources(self) -> list[dict[str, str]]:
        return parse_sources(self.cleaned_data["sources"])

    def clean_group(self) -> str | None:
        return self.cleaned_data["group"].strip() or None

    def clean_key(self) -> str | None:
        return self.cleaned_data["key"].strip() or None

    def clean(self) -> dict:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == EdgeKind.UNDERCUTS:
            if not cleaned.get("target_edge", "").strip():
                self.add_error("target_edge", "name the edge this node undercuts")
            if cleaned.get("target", "").strip():
                self.add_error("target", "an undercut attacks an edge, not a node: leave empty")
        elif kind and not cleaned.get("target", "").strip():
            self.add_error("target", "name the node this one bears on")
        return cleaned


class EditEdgeForm(forms.Form):
    """An editor's change of an edge: a new revision when anything changes."""

    edge = forms.CharField(max_length=KEY_MAX_LENGTH, widget=forms.HiddenInput)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    weight = forms.FloatField(min_value=0, max_value=1)
    rationale = _rationale_field()
    sources = _sources_field()
    group = _group_field()

    def clean_sources(self) -> list[dict[str, str]]:
        return parse_sources(self.cleaned_data["sources"])

    def clean_group(self) -> str | None:
        return self.cleaned_data["group"].strip() or None


class EditNodeForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    text = forms.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DeleteForm(forms.Form):
    """A deletion, confirmed: one click on the wrong button must not remove a node."""

    confirm = forms.BooleanField(label="Yes, delete it (and its links); this cannot be undone")


AS_IN_FILE = ""


class ImportForm(forms.Form):
    file = forms.FileField(label="argmap JSON or AIF file")
    slug = forms.SlugField(
        required=False, help_text="required for AIF; overrides an argmap file's own slug"
    )
    # Left at its default, the file decides (a private map stays private when
    # re-imported); only an explicit choice overrides the file's own visibility.
    visibility = forms.ChoiceField(
        choices=[(AS_IN_FILE, "as in the file"), ("public", "public"), ("private", "private")],
        required=False,
        initial=AS_IN_FILE,
        help_text="a file that names none imports as public",
    )

    def clean_visibility(self) -> str | None:
        """None when the uploader made no choice: the service keeps the file's."""
        return self.cleaned_data["visibility"] or None


MEMBER_ROLES = [
    (MemberRole.VOTER, "voter (votes count fully)"),
    (MemberRole.EDITOR, "editor (votes count fully; adds and links nodes)"),
]


class MemberForm(forms.Form):
    """Admit someone to the map with a role, or change a member's role."""

    # The longest username Django's accounts allow; member_set checks the rest.
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=MEMBER_ROLES, initial=MemberRole.VOTER)


class MemberRemoveForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.HiddenInput)


CONTRIBUTION_CHOICES = [
    (
        Contribution.CLOSED,
        "Closed: only you and the map's editors add, link and edit nodes.",
    ),
    (
        Contribution.OPEN,
        "Open: anyone signed in who can see the map may add nodes and link them, and edit or "
        "delete what they added; only you and the editors change what others wrote.",
    ),
]


class ContributionForm(forms.Form):
    """The owner's choice of who may add to the map's graph."""

    contribution = forms.ChoiceField(
        choices=CONTRIBUTION_CHOICES, widget=forms.RadioSelect, label="Who may contribute"
    )
