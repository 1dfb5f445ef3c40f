from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin

from .models import Intervention, InterventionStatusChange, Region, Theme


@admin.register(Region)
class RegionAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(Theme)
class ThemeAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_editable = ["order", "is_active"]


class StatusChangeInline(admin.TabularInline):
    model = InterventionStatusChange
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    list_display = ["title", "session", "kind", "language", "status", "created_at"]
    list_filter = ["session", "status", "kind", "language", "primary_theme", "regions"]
    search_fields = ["title", "body", "english_text"]
    readonly_fields = ["status", "submitted_at", "decided_at", "created_at", "updated_at"]
    raw_id_fields = ["author"]
    inlines = [StatusChangeInline]
