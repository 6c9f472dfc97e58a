from django import forms


class VoteForm(forms.Form):
    percent = forms.IntegerField(min_value=1, max_value=99, label="My credence (%)")
