from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline

from .models import AgendaItem, ListeningSession, Profile, Registration


class AgendaItemInline(TranslationTabularInline):
    model = AgendaItem
    extra = 0
    ordering = ["order"]
    fields = [
        "order",
        "start_offset_minutes",
        "duration_minutes",
        "kind",
        "title",
        "speakers",
        "theme",
    ]


@admin.register(ListeningSession)
class ListeningSessionAdmin(TabbedTranslationAdmin):
    list_display = ["title", "starts_at", "status", "capacity"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title_en"]}
    inlines = [AgendaItemInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["user", "session", "status", "organization", "created_at"]
    list_filter = ["session", "status", "stakeholder_type", "region", "preferred_language"]
    search_fields = ["user__email", "organization"]
    raw_id_fields = ["user"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["full_name", "organization", "stakeholder_type", "country"]
    search_fields = ["full_name", "organization", "user__email"]
    raw_id_fields = ["user"]
