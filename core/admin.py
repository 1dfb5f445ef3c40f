from django.contrib import admin

from .admin_lists import LeanChangelistMixin
from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(LeanChangelistMixin, admin.ModelAdmin):
    list_display = ["task_name", "status", "attempts", "created_at", "done_at"]
    list_filter = ["status", "task_name"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False
