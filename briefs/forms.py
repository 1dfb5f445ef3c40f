from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from interventions.enums import InterventionKind
from interventions.models import Region, Theme
from sessions_app.models import ListeningSession, Series
from sessions_app.selectors import list_public_sessions

from .enums import MatrixView


class PackFilterForm(forms.Form):
    """Optional filters of a pack; nothing checked means every approved intervention."""

    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.filter(is_active=True).order_by("order", "slug"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("An intervention matches when its primary or another theme is checked."),
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"),
        queryset=Region.objects.filter(is_active=True).order_by("order", "slug"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kinds = forms.MultipleChoiceField(
        label=_("Types of input"),
        choices=InterventionKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def filter_values(self) -> dict[str, list[str]]:
        data = self.cleaned_data
        return {
            "themes": [theme.slug for theme in data["themes"]],
            "regions": [region.slug for region in data["regions"]],
            "kinds": list(data["kinds"]),
        }

    def request_values(self) -> dict:
        """The arguments of `request_brief_pack` this form chose (after validation)."""
        return self.filter_values()


class SessionsPackForm(PackFilterForm):
    """A pack of several sessions: which ones (all of a series are ticked at first), and the
    same filters as a session's pack."""

    sessions = forms.ModelMultipleChoiceField(
        label=_("Sessions"),
        queryset=ListeningSession.objects.none(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one session.")},
        help_text=_("Inputs are gathered by theme across the sessions; each names its session."),
    )
    field_order = ["sessions", "themes", "regions", "kinds"]

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sessions"].queryset = sessions
        self.fields["sessions"].label_from_instance = lambda session: "{} ({})".format(
            session.title, date_format(session.starts_at, "DATE_FORMAT")
        )

    def request_values(self) -> dict:
        return {**super().request_values(), "sessions": self.cleaned_data["sessions"]}


class PolicyBriefForm(forms.Form):
    """The published brief as Working Group 3 records it."""

    title = forms.CharField(label=_("Title"), max_length=300)
    published_on = forms.DateField(
        label=_("Publication date"),
        # An <input type="date"> takes ISO dates, whatever the page's language.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    url = forms.URLField(
        label=_("Link to the published brief"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the brief is published online. Give a link, a PDF, or both."),
    )
    pdf = forms.FileField(
        label=_("PDF of the brief"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf"}),
        help_text=_(
            "Stored privately: only Working Group 3 and the secretariat can download it, "
            "unless you make it public below."
        ),
    )
    remove_pdf = forms.BooleanField(label=_("Remove the stored PDF"), required=False)
    pdf_is_public = forms.BooleanField(
        label=_("Anyone may download the PDF (it is then linked from the public pages)"),
        required=False,
    )
    cited = forms.CharField(
        label=_("Source IDs it cites"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Separated by commas, for example: LS3-017, LS3-020."),
    )


class MatrixFilterForm(forms.Form):
    """What the evidence matrix crosses, and for which session (GET)."""

    view = forms.ChoiceField(
        label=_("Cross"),
        choices=MatrixView.choices,
        required=False,
        error_messages={"invalid_choice": _("Choose theme × code or region × theme.")},
    )
    session = forms.ModelChoiceField(
        label=_("Session"),
        queryset=None,
        to_field_name="slug",
        required=False,
        empty_label=_("All sessions"),
        error_messages={"invalid_choice": _("There is no such session.")},
    )
    series = forms.ModelChoiceField(
        label=_("Series"),
        queryset=Series.objects.order_by("title", "pk"),
        to_field_name="slug",
        required=False,
        empty_label=_("All series"),
        error_messages={"invalid_choice": _("There is no such series.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = list_public_sessions()

    def selection(self) -> dict:
        """The view, session and series asked for (the theme × code view by default)."""
        return {
            "view": self.cleaned_data.get("view") or MatrixView.THEME_CODE,
            "session": self.cleaned_data.get("session"),
            "series": self.cleaned_data.get("series"),
        }
