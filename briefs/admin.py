from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import BriefPack
from .services import retry_brief_pack


@admin.register(BriefPack)
class BriefPackAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "progress",
        "page_count",
        "intervention_count",
        "requested_by",
        "created_at",
    ]
    list_filter = ["status", "session"]
    list_select_related = ["session", "requested_by"]
    readonly_fields = [f.name for f in BriefPack._meta.fields]
    actions = ["retry_failed_packs"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Try the selected failed packs again"))
    def retry_failed_packs(self, request, queryset):
        retried = 0
        for pack in queryset:
            try:
                retry_brief_pack(pack=pack, user=request.user)
            except ValidationError:
                continue
            retried += 1
        self.message_user(
            request,
            ngettext("%(count)d pack queued again.", "%(count)d packs queued again.", retried)
            % {"count": retried},
            messages.SUCCESS if retried else messages.WARNING,
        )
