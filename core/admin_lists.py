"""Changelists that stay fast however many rows a table holds.

`LeanChangelistMixin` lets a ModelAdmin leave out the long columns its list does not show
(`list_defer`) and annotate what a column is computed from (`lean_changelist_queryset`), for the
page of results alone: the change form and the bulk actions get whole rows, as before.
"""

from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext

from .enums import choice_label as enum_choice_label

# Django's own words (and translations) for a row's checkbox: not a string of ours to extract.
ROW_CHECKBOX_LABEL = "Select this object for an action - {}"


# Stands for the primary key in the change URL reversed once per page.
PK_MARKER = "__pk__"


class LeanChangeList(ChangeList):
    def get_results(self, request):
        self.queryset = self.model_admin.lean_changelist_queryset(self.queryset)
        super().get_results(request)

    def url_for_result(self, result):
        """Each row's change URL, from one URL reversed for the page (as Django's, quoted)."""
        if not hasattr(self, "_change_url"):
            self._change_url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(PK_MARKER,),
                current_app=self.model_admin.admin_site.name,
            )
        return self._change_url.replace(PK_MARKER, str(quote(getattr(result, self.pk_attname))))


class LeanChangelistMixin:
    """Leave the columns in `list_defer` (long texts) out of the page of results, and write
    each row's checkbox directly."""

    list_defer: tuple[str, ...] = ()

    def action_checkbox(self, obj):
        """The checkbox Django's admin writes for a row, without rendering a widget's template
        for each row (a fifth of a page of 100 registrations)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(gettext(ROW_CHECKBOX_LABEL), str(obj)),
        )

    def get_changelist(self, request, **kwargs):
        return LeanChangeList

    def lean_changelist_queryset(self, queryset: QuerySet) -> QuerySet:
        """The queryset the page of results is read from; extend it to annotate."""
        return queryset.defer(*self.list_defer) if self.list_defer else queryset


def country_label(obj) -> str:
    """The name of a model's `country` (a django-countries field), read from the country
    itself: a list column showing it this way does not rebuild the list of every country's
    name for each row, as a column of the field's choices does."""
    return obj.country.name if obj.country else ""


def choice_label(choices, value: str) -> str | None:
    """A stored choice (of the TextChoices `choices`) in words in the active language, for a
    list column (see `core.enums.choice_label`); None (shown as the admin's empty value) when
    there is none."""
    return enum_choice_label(choices, value) if value else None
