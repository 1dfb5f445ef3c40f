from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_lists import LeanChangelistMixin

from .models import BriefNotification, BriefPack, PolicyBrief
from .services import retry_brief_pack

CODED_FIELDS = ["stage", "stage_params", "error_code", "error_params", "error"]


@admin.register(BriefPack)
class BriefPackAdmin(LeanChangelistMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "progress",
        "page_count",
        "intervention_count",
        "requested_by",
        "created_at",
    ]
    list_filter = ["status", "series", "session"]
    list_select_related = ["session", "series", "requested_by"]
    # The stage and the failure in words (in the reader's language), not their stored codes.
    exclude = CODED_FIELDS
    readonly_fields = [
        *(f.name for f in BriefPack._meta.fields if f.name not in CODED_FIELDS),
        "sessions",
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


class BriefNotificationInline(admin.TabularInline):
    model = BriefNotification
    fields = ["user", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PolicyBrief)
class PolicyBriefAdmin(LeanChangelistMixin, admin.ModelAdmin):
    """Read only: Working Group 3 records briefs on its pages, which tell contributors."""

    list_display = ["title", "published_on", "series", "session", "pdf_is_public", "created_at"]
    list_filter = ["series", "session"]
    list_select_related = ["series", "session"]
    readonly_fields = [
        *(f.name for f in PolicyBrief._meta.fields),
        "cited",
    ]
    inlines = [BriefNotificationInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
