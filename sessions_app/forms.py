import json

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.enums import Language

from .countries import COUNTRY_REGION
from .enums import Credit, StakeholderType
from .models import AgendaItem
from .selectors import active_regions
from .timezones import parse_time_zone, time_zone_choices, zone_name


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    organization = forms.CharField(label=_("Organization"), max_length=300)
    stakeholder_type = forms.ChoiceField(
        label=_("Type of organization"), choices=[("", "---------"), *StakeholderType.choices]
    )
    country = forms.ChoiceField(label=_("Country"))
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=None,
        required=False,
        help_text=_("Leave empty to use the region of your country."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language for emails"), choices=Language.choices
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_("Session times are shown in this time zone as well as in UTC."),
    )
    consent_to_contact = forms.BooleanField(
        label=_("Email me when the policy brief is published, to tell me how my inputs were used"),
        required=False,
        help_text=_("One email per published brief, in your preferred language."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "---------"), *countries]
        self.fields["region"].queryset = active_regions()
        # Lets static/js/profile.js pre-select the region when the country changes.
        region_ids = dict(active_regions().values_list("slug", "pk"))
        self.fields["country"].widget.attrs["data-region-by-country"] = json.dumps(
            {code: region_ids[slug] for code, slug in COUNTRY_REGION.items() if slug in region_ids},
            separators=(",", ":"),
        )
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["organization"].widget.attrs["autocomplete"] = "organization"
        # A zone chosen before the list kept only canonical names stays choosable.
        current = self.initial.get("time_zone") or self.data.get("time_zone")
        if current and parse_time_zone(current) and current not in dict(time_zone_choices()):
            self.fields["time_zone"].choices = [
                (current, zone_name(current)),
                *time_zone_choices(),
            ]


class RegistrationForm(forms.Form):
    role = forms.CharField(label=_("Your role in the organization"), max_length=200)
    wishes_to_speak = forms.BooleanField(
        label=_("I would like to take the floor during the session"), required=False
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility or interpretation needs"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example captions, sign language or interpretation into French."),
    )
    privacy_consent = forms.BooleanField(
        label=_("I have read and accept the privacy notice"),
        error_messages={"required": _("Please accept the privacy notice to register.")},
    )
    consent_to_be_listed = forms.BooleanField(
        label=_("My organization may be listed among the participating organizations"),
        required=False,
    )
    speaking_credit = forms.ChoiceField(
        label=_("If you take the floor, how may the record of what you say credit you?"),
        choices=Credit.choices,
        initial=Credit.ANONYMOUS,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "The secretariat summarises each spoken contribution for the input pack. The live "
            "page shows speakers the same way."
        ),
    )

    def clean_speaking_credit(self) -> str:
        return self.cleaned_data.get("speaking_credit") or Credit.ANONYMOUS


class FloorRequestForm(forms.Form):
    """Asking for the floor: under which open-floor item, in which language, on what."""

    agenda_item = forms.ModelChoiceField(
        label=_("Under which agenda item?"),
        queryset=AgendaItem.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=_("I will speak in"),
        choices=Language.choices,
        widget=forms.RadioSelect,
        help_text=_("The secretariat interprets brief contributions in French or Spanish."),
    )
    topic = forms.CharField(
        label=_("Briefly, on what?"),
        max_length=200,
        help_text=_("One line, for the secretariat: for example “seasonal work permits”."),
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = AgendaItem.objects.filter(
            pk__in=[item.pk for item in items]
        ).order_by("order", "start_offset_minutes", "id")
        if len(items) == 1:
            self.initial.setdefault("agenda_item", items[0].pk)


class DeskActionForm(forms.Form):
    """One action of the live desk, with what the desk showed when it was pressed."""

    ACTIONS = [
        "open",
        "end",
        "next_item",
        "go_to_item",
        "time_limit",
        "call_next",
        "start",
        "delivered",
        "not_connected",
        "skip",
        "restore",
        "up",
        "down",
        "attended",
    ]
    action = forms.ChoiceField(choices=[(name, name) for name in ACTIONS])
    floor_request = forms.IntegerField(required=False, min_value=1)
    agenda_item = forms.IntegerField(required=False, min_value=1)
    registration = forms.IntegerField(required=False, min_value=1)
    # The item that was running, or the place the request had, when the desk showed it.
    expected = forms.IntegerField(required=False, min_value=0)
    seconds = forms.IntegerField(
        label=_("Speaking time per speaker (seconds)"),
        required=False,
        min_value=15,
        max_value=3600,
    )
