import json

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.enums import Language

from .countries import COUNTRY_REGION
from .enums import StakeholderType
from .selectors import active_regions
from .timezones import available_time_zones


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_time_zones())]


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
