"""HTML forms: field validation for display; the services decide what is allowed."""

from django import forms

from claims.models import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, EdgeKind, MemberRole, NodeKind

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


class LinkForm(forms.Form):
    kind = forms.ChoiceField(choices=LINK_KINDS, label="This node")
    target = forms.CharField(
        max_length=TITLE_MAX_LENGTH,
        label="Target (title or key)",
        widget=forms.TextInput(attrs={"list": "node-titles", "autocomplete": "off"}),
    )
    weight = forms.FloatField(min_value=0, max_value=1, initial=0.7)


class EditNodeForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    text = forms.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


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
