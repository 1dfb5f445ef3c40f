from django.contrib import admin

from .models import BriefPack


@admin.register(BriefPack)
class BriefPackAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "progress",
        "page_count",
        "intervention_count",
        "created_at",
    ]
    list_filter = ["status", "session"]
    readonly_fields = [f.name for f in BriefPack._meta.fields]

    def has_add_permission(self, request):
        return False
