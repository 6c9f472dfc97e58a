"""The discussion's HTML forms: a comment (or reply) and its edit."""

from django import forms

from discussion.models import COMMENT_MAX_LENGTH, CommentKind

MARKDOWN_HINT = (
    "Markdown: **bold**, *italic*, [a link](https://…), lists, `code`, > quotes. "
    "[[node-key]] links to a node of this map. No images or HTML."
)


class CommentForm(forms.Form):
    # Not stripped: leading spaces are Markdown (an indented code block).
    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=MARKDOWN_HINT,
    )
    kind = forms.ChoiceField(label="Kind", choices=CommentKind.choices, initial="comment")
    parent = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something first.")
        return body


class CommentEditForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MARKDOWN_HINT,
    )
    kind = forms.ChoiceField(label="Kind", choices=CommentKind.choices)
    revision = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
