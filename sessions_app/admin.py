from datetime import UTC

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline

from core.admin_lists import LeanChangelistMixin, choice_label, country_label
from core.enums import Language
from core.spreadsheets import csv_download

from . import selectors, services
from .enums import RegistrationStatus, StakeholderType
from .models import (
    AgendaItem,
    FloorRequest,
    ListeningSession,
    Profile,
    Registration,
    RegistrationStatusChange,
    Series,
)


class AgendaItemInline(TranslationTabularInline):
    model = AgendaItem
    extra = 0
    ordering = ["order", "start_offset_minutes", "id"]
    fields = [
        "order",
        "start_offset_minutes",
        "duration_minutes",
        "kind",
        "title",
        "speakers",
        "theme",
    ]


def _count_column(status: RegistrationStatus):
    """A list column with the session's number of registrations in `status` (annotated)."""

    def column(modeladmin, obj):
        return getattr(obj, f"count_{status.value}", 0)

    return admin.display(description=status.label, ordering=f"count_{status.value}")(column)


@admin.register(Series)
class SeriesAdmin(LeanChangelistMixin, TabbedTranslationAdmin):
    list_display = ["title", "slug"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title_en"]}


@admin.register(ListeningSession)
class ListeningSessionAdmin(LeanChangelistMixin, TabbedTranslationAdmin):
    list_display = [
        "number",
        "title",
        "series",
        "starts_at",
        "status",
        "capacity",
        *[f"count_{status}" for status in RegistrationStatus.values],
    ]
    list_display_links = ["number", "title"]
    list_filter = ["status", "series"]
    list_select_related = ["series"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title_en"]}
    readonly_fields = ["live_links", "registration_counts", "live_started_at", "live_ended_at"]
    inlines = [AgendaItemInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return selectors.with_registration_counts(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        # The number is part of every source ID already given: it never changes.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "number"] if obj is not None else fields

    count_pending = _count_column(RegistrationStatus.PENDING)
    count_confirmed = _count_column(RegistrationStatus.CONFIRMED)
    count_waitlisted = _count_column(RegistrationStatus.WAITLISTED)
    count_declined = _count_column(RegistrationStatus.DECLINED)
    count_cancelled = _count_column(RegistrationStatus.CANCELLED)

    @admin.display(description=gettext_lazy("Live session"))
    def live_links(self, obj):
        if obj.pk is None:
            return "—"
        return format_html(
            '<a class="button" href="{}">{}</a> <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("sessions_app:live_desk", kwargs={"slug": obj.slug}),
            _("Open the live desk"),
            reverse("sessions_app:live", kwargs={"slug": obj.slug}),
            _("Live page"),
            reverse("sessions_app:held_report", kwargs={"slug": obj.slug}),
            _("Held report"),
        )

    @admin.display(description=gettext_lazy("Registrations by status"))
    def registration_counts(self, obj):
        if obj.pk is None:
            return "—"
        return ", ".join(
            f"{status.label}: {getattr(obj, f'count_{status.value}', 0)}"
            for status in RegistrationStatus
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "capacity" in form.changed_data:
            promoted = services.fill_free_seats(session=obj)
            if promoted:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d waitlisted registrant was given a seat.",
                        "%(count)d waitlisted registrants were given a seat.",
                        len(promoted),
                    )
                    % {"count": len(promoted)},
                    messages.SUCCESS,
                )


def _status_action(to_status: RegistrationStatus, description):
    def action(modeladmin, request, queryset):
        changed, failures = 0, []
        for registration in queryset.order_by("status_changed_at", "id"):
            try:
                services.set_registration_status(
                    registration=registration, to_status=to_status, actor=request.user
                )
            except ValidationError as error:
                failures.append(f"{registration.user.email}: {' '.join(error.messages)}")
            else:
                changed += 1
        if changed:
            modeladmin.message_user(
                request,
                ngettext(
                    "%(count)d registration is now “%(status)s”.",
                    "%(count)d registrations are now “%(status)s”.",
                    changed,
                )
                % {"count": changed, "status": to_status.label},
                messages.SUCCESS,
            )
        for failure in failures:
            modeladmin.message_user(request, failure, messages.ERROR)

    action.__name__ = f"mark_{to_status.value}"
    return admin.action(description=description, permissions=["change"])(action)


CSV_COLUMNS = [
    ("session", gettext_lazy("session")),
    ("status", gettext_lazy("status")),
    ("full_name", gettext_lazy("full name")),
    ("email", gettext_lazy("email")),
    ("organization", gettext_lazy("organization")),
    ("role", gettext_lazy("role in the organization")),
    ("stakeholder_type", gettext_lazy("stakeholder type")),
    ("country", gettext_lazy("country")),
    ("region", gettext_lazy("region")),
    ("preferred_language", gettext_lazy("preferred language")),
    ("wishes_to_speak", gettext_lazy("wishes to speak")),
    ("accessibility_needs", gettext_lazy("accessibility or interpretation needs")),
    ("consent_to_be_listed", gettext_lazy("may be listed")),
    ("speaking_credit", gettext_lazy("credit when speaking on the call")),
    ("attended_at", gettext_lazy("attended (UTC)")),
    ("created_at", gettext_lazy("registered (UTC)")),
]


def _csv_row(registration: Registration) -> list[str]:
    profile = getattr(registration.user, "profile", None)
    values = {
        "session": registration.session.title,
        "status": registration.get_status_display(),
        "full_name": profile.full_name if profile else registration.user.get_full_name(),
        "email": registration.user.email,
        "organization": registration.organization,
        "role": registration.role,
        "stakeholder_type": registration.get_stakeholder_type_display(),
        "country": registration.country.name if registration.country else "",
        "region": registration.region.name if registration.region else "",
        "preferred_language": registration.get_preferred_language_display(),
        "wishes_to_speak": _("yes") if registration.wishes_to_speak else _("no"),
        "accessibility_needs": registration.accessibility_needs,
        "consent_to_be_listed": _("yes") if registration.consent_to_be_listed else _("no"),
        "speaking_credit": registration.get_speaking_credit_display(),
        "attended_at": registration.attended_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        if registration.attended_at
        else "",
        "created_at": registration.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
    }
    return [values[key] for key, _label in CSV_COLUMNS]


class RegistrationStatusChangeInline(admin.TabularInline):
    model = RegistrationStatusChange
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "from_status", "to_status"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Registration)
class RegistrationAdmin(LeanChangelistMixin, admin.ModelAdmin):
    list_display = [
        "user",
        "session_short",
        "status_label",
        "organization",
        "stakeholder_type_label",
        "country_name",
        "region",
        "preferred_language_label",
        "attended_at",
        "created_at",
    ]
    list_filter = [
        "session",
        "status",
        ("attended_at", admin.EmptyFieldListFilter),
        "stakeholder_type",
        "region",
        "country",
        "preferred_language",
    ]
    list_select_related = ["user", "session", "region"]
    # Newest first, along an index (the model's order sorts by session, a join).
    ordering = ["-created_at", "-id"]
    # Django's admin spends most of a page on its rows (about 0.8 ms of CPU each): pages of 50
    # keep the list under 60 ms however many thousands registered.
    list_per_page = 50
    search_fields = ["user__email", "user__profile__full_name", "organization", "role"]
    raw_id_fields = ["user"]
    # Session, person and status change only through the registration service (seats,
    # waitlist, emails): the bulk actions, never this form.
    readonly_fields = [
        "session",
        "user",
        "status",
        "status_changed_at",
        "privacy_consent_at",
        "speaking_credit",
        "attended_at",
        "attendance_source",
        "created_at",
    ]
    inlines = [RegistrationStatusChangeInline]
    actions = [
        _status_action(RegistrationStatus.CONFIRMED, gettext_lazy("Confirm (give a seat)")),
        _status_action(RegistrationStatus.WAITLISTED, gettext_lazy("Move to the waitlist")),
        _status_action(RegistrationStatus.DECLINED, gettext_lazy("Decline")),
        _status_action(RegistrationStatus.CANCELLED, gettext_lazy("Cancel")),
        "export_csv",
    ]

    @admin.display(description=pgettext_lazy("listening session", "session"), ordering="session")
    def session_short(self, obj):
        return Truncator(obj.session.title).chars(60)

    @admin.display(description=gettext_lazy("country"), ordering="country")
    def country_name(self, obj):
        return country_label(obj)

    # Choices in words from labels made once per language, not once per cell.

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_label(self, obj):
        return choice_label(RegistrationStatus, obj.status)

    @admin.display(description=gettext_lazy("stakeholder type"), ordering="stakeholder_type")
    def stakeholder_type_label(self, obj):
        return choice_label(StakeholderType, obj.stakeholder_type)

    @admin.display(description=gettext_lazy("preferred language"), ordering="preferred_language")
    def preferred_language_label(self, obj):
        return choice_label(Language, obj.preferred_language)

    def has_add_permission(self, request):
        # Registrations are made by stakeholders through the site, which applies capacity.
        return False

    @admin.action(description=gettext_lazy("Export as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        registrations = queryset.select_related("user__profile", "session", "region").order_by(
            "session__starts_at", "created_at", "id"
        )
        return csv_download(
            filename="registrations.csv",
            header=[label for _key, label in CSV_COLUMNS],
            rows=map(_csv_row, registrations),
        )


@admin.register(Profile)
class ProfileAdmin(LeanChangelistMixin, admin.ModelAdmin):
    list_display = [
        "full_name",
        "organization",
        "stakeholder_type",
        "country_name",
        "consent_to_contact",
    ]
    search_fields = ["full_name", "organization", "user__email"]
    raw_id_fields = ["user"]

    @admin.display(description=gettext_lazy("country"), ordering="country")
    def country_name(self, obj):
        return country_label(obj)


@admin.register(FloorRequest)
class FloorRequestAdmin(LeanChangelistMixin, admin.ModelAdmin):
    """The record of who asked for the floor; the queue itself is run from the live desk."""

    list_display = [
        "credit_name",
        "credit_organization",
        "session_short",
        "agenda_item",
        "language",
        "status",
        "origin",
        "created_at",
    ]
    list_filter = ["session", "status", "origin", "language"]
    list_select_related = ["session", "agenda_item"]
    search_fields = ["credit_name", "credit_organization", "topic"]

    @admin.display(description=pgettext_lazy("listening session", "session"), ordering="session")
    def session_short(self, obj):
        return Truncator(obj.session.title).chars(60)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
