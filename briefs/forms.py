from django import forms
from django.utils.translation import gettext_lazy as _

from interventions.enums import InterventionKind
from interventions.models import Region, Theme


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
