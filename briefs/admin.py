from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import BriefPack
from .services import retry_brief_pack

CODED_FIELDS = ["stage", "stage_params", "error_code", "error_params", "error"]


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
    # The stage and the failure in words (in the reader's language), not their stored codes.
    exclude = CODED_FIELDS
    readonly_fields = [
        *(f.name for f in BriefPack._meta.fields if f.name not in CODED_FIELDS),
        "stage_text",
        "error_text",
    ]
    actions = ["retry_failed_packs"]

    @admin.display(description=_("stage"))
    def stage_text(self, pack):
        return pack.stage_text

    @admin.display(description=_("error"))
    def error_text(self, pack):
        return pack.error_text

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
