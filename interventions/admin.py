from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from modeltranslation.admin import TabbedTranslationAdmin

from core.admin_lists import LeanChangelistMixin
from core.enums import Language
from sessions_app.enums import AgendaItemKind
from sessions_app.models import AgendaItem

from . import selectors
from .enums import Channel, CorrectionStatus
from .enums import InterventionStatus as S
from .models import (
    AnalysisCode,
    Intervention,
    InterventionCorrection,
    InterventionStatusChange,
    Quote,
    Region,
    Theme,
)
from .search import MAX_QUERY_LENGTH
from .services import (
    MODERATOR,
    MODERATOR_DECISIONS,
    ORAL_STAFF_FIELDS,
    STAFF_FIELDS,
    can_transition,
    moderate_interventions,
    save_staff_edits,
    validate_speaking_slot,
)

MODERATE_PERMISSION = "interventions.moderate_intervention"
# How each decision a moderator may take reads in the admin; which decisions exist comes from
# the one transition table.
DECISION_LABELS = {
    S.APPROVED: gettext_lazy("Approve"),
    S.CHANGES_REQUESTED: gettext_lazy("Request changes (send the feedback to the author)"),
    S.REJECTED: gettext_lazy("Reject"),
}
DECISIONS = [
    ("", "—"),
    *[
        (status, label)
        for status, label in DECISION_LABELS.items()
        if status in MODERATOR_DECISIONS
    ],
    *[(status, S(status).label) for status in MODERATOR_DECISIONS if status not in DECISION_LABELS],
]


@admin.register(Region)
class RegionAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(Theme)
class ThemeAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(AnalysisCode)
class AnalysisCodeAdmin(LeanChangelistMixin, TabbedTranslationAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(Quote)
class QuoteAdmin(LeanChangelistMixin, admin.ModelAdmin):
    """Quotes are saved and coded on the site (the quote bank), where the passage is checked
    against its text; the admin shows them and can delete them."""

    list_display = ["__str__", "reference", "source", "created_by", "created_at"]
    list_filter = ["codes", "source"]
    search_fields = ["text", "intervention__title"]
    list_select_related = ["intervention", "created_by"]
    fields = ["intervention", "source", "text", "codes", "note", "created_by", "created_at"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("source ID"))
    def reference(self, quote: Quote) -> str:
        return quote.intervention.reference

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class StatusChangeInline(admin.TabularInline):
    model = InterventionStatusChange
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CorrectionInline(admin.TabularInline):
    """Corrections the speaker proposed to an oral record; a moderation decision settles them."""

    model = InterventionCorrection
    fk_name = "intervention"
    extra = 0
    can_delete = False
    fields = ["created_at", "text", "status", "settled_by", "settled_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("settled_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PendingCorrectionFilter(admin.SimpleListFilter):
    title = gettext_lazy("proposed correction")
    parameter_name = "correction"

    def lookups(self, request, model_admin):
        return [("pending", _("Awaiting moderation"))]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            pending = InterventionCorrection.objects.filter(status=CorrectionStatus.PENDING)
            return queryset.filter(pk__in=pending.values("intervention_id"))
        return queryset


class HasEnglishTranslationFilter(admin.SimpleListFilter):
    title = gettext_lazy("English translation")
    parameter_name = "translated"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Has an English translation")),
            ("no", _("No English translation")),
            ("needed", _("Needed (French or Spanish, not translated)")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(english_text="")
        if self.value() == "no":
            return queryset.filter(english_text="")
        if self.value() == "needed":
            return queryset.filter(english_text="").exclude(language="en")
        return queryset


class ThemeFilter(admin.SimpleListFilter):
    """Primary theme or any of the other themes."""

    title = gettext_lazy("theme")
    parameter_name = "theme"

    def lookups(self, request, model_admin):
        return [(theme.slug, theme.name) for theme in Theme.objects.order_by("order", "slug")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(selectors.has_theme(theme_slugs=[self.value()]))


class InterventionAdminForm(forms.ModelForm):
    """The change form: translation, tags, notes, speaking slot, and one moderation decision.

    The status itself is never a field: a decision goes through `set_intervention_status`.
    """

    decision = forms.ChoiceField(
        label=gettext_lazy("Moderation decision"),
        choices=DECISIONS,
        required=False,
        help_text=gettext_lazy(
            "Applied when you save. The author is emailed; requesting changes or rejecting "
            "sends them the feedback above."
        ),
    )
    can_moderate = False

    class Meta:
        model = Intervention
        fields = [
            "title",
            "body",
            "language",
            "feedback",
            "internal_note",
            "english_title",
            "english_text",
            "kind",
            "primary_theme",
            "themes",
            "regions",
            "countries",
            "agenda_item",
            "speaking_order",
        ]
        widgets = {"english_title": forms.TextInput(attrs={"class": "vTextField"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.can_moderate:
            self.fields.pop("decision", None)
        if "themes" in self.fields and self.instance.primary_theme_id:
            # The primary theme is shown on its own, never again among the other themes.
            self.fields["themes"].queryset = Theme.objects.exclude(
                pk=self.instance.primary_theme_id
            ).order_by("order", "slug")
        if "agenda_item" in self.fields:
            self.fields["agenda_item"].queryset = AgendaItem.objects.filter(
                session_id=self.instance.session_id, kind=AgendaItemKind.OPEN_FLOOR
            ).order_by("order")

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision") or ""
        if decision and not can_transition(
            from_status=self.instance.status, to_status=decision, role=MODERATOR
        ):
            self.add_error(
                "decision",
                _("An intervention that is “%(status)s” cannot be moderated.")
                % {"status": S(self.instance.status).label},
            )
        feedback = cleaned.get("feedback", self.instance.feedback)
        if decision == S.CHANGES_REQUESTED and not (feedback or "").strip():
            self.add_error("feedback", _("Tell the author what to change."))
        if "agenda_item" in self.fields and "agenda_item" not in self.errors:
            try:
                validate_speaking_slot(
                    intervention=self.instance,
                    status=decision or self.instance.status,
                    agenda_item=cleaned.get("agenda_item"),
                    speaking_order=cleaned.get("speaking_order"),
                )
            except ValidationError as error:
                for field, field_errors in error.message_dict.items():
                    for message in field_errors:
                        self.add_error(field, message)
        return cleaned


class FeedbackForm(forms.Form):
    feedback = forms.CharField(
        label=gettext_lazy("Feedback to the authors"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        max_length=5000,
        help_text=gettext_lazy("Sent to each author by email and shown with their intervention."),
    )


@admin.register(Intervention)
class InterventionAdmin(LeanChangelistMixin, admin.ModelAdmin):
    form = InterventionAdminForm
    change_list_template = "interventions/admin/change_list.html"
    change_form_template = "interventions/admin/change_form.html"
    list_display = [
        "reference",
        "title",
        "status",
        "channel",
        "language",
        "has_translation",
        "kind",
        "primary_theme",
        "session_short",
        "author_email",
        "submitted_at",
    ]
    list_select_related = ["session", "author", "primary_theme"]
    # The list shows no text: the page of results reads none (`has_english` is annotated).
    list_defer = ("body", "english_text", "feedback", "internal_note")
    list_filter = [
        "session",
        "status",
        "channel",
        PendingCorrectionFilter,
        "kind",
        ThemeFilter,
        "regions",
        "language",
        HasEnglishTranslationFilter,
    ]
    # Short columns here; the texts through the full-text search (`get_search_results`),
    # never by reading every intervention's texts.
    search_fields = [
        "=reference",
        "title",
        "english_title",
        "=author__email",
        "credit_name",
        "credit_organization",
    ]
    show_full_result_count = False
    raw_id_fields = ["author"]
    filter_horizontal = ["themes", "regions"]
    inlines = [CorrectionInline, StatusChangeInline]
    actions = ["approve_selected", "request_changes_selected", "reject_selected"]
    readonly_fields = [
        "reference",
        "status",
        "channel",
        "delivered_at",
        "original_title",
        "original_text",
        "session",
        "author",
        "title",
        "body",
        "language",
        "credit",
        "credit_name",
        "credit_organization",
        "stakeholder_type_label",
        # Only the author answers it (on their intervention's page).
        "consent_to_publish",
        "deliver_orally",
        "submission_token",
        "submitted_at",
        "decided_at",
        "created_at",
        "updated_at",
    ]

    class Media:
        css = {"all": ["css/interventions-admin.css"]}

    # Permissions

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm(MODERATE_PERMISSION)

    def has_add_permission(self, request):
        # Interventions are written by their authors on the site, never in the admin.
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.channel == Channel.ORAL:
            fields = [name for name in fields if name not in ORAL_STAFF_FIELDS]
        if not self.has_moderate_permission(request):
            fields.append("feedback")
        return fields

    def get_fieldsets(self, request, obj=None):
        # The feedback first, then the decision that sends it ("the feedback above").
        moderation = ["status", "feedback", "internal_note"]
        if self.has_moderate_permission(request):
            moderation.append("decision")
        if obj is not None and obj.channel == Channel.ORAL:
            # The secretariat records what was said (title, language, text) beside the English
            # interpretation given on the call.
            text = (
                _("Text and English translation"),
                {
                    "classes": ["intervention-text", "side-by-side"],
                    "fields": ["title", "english_title", "body", "english_text", "language"],
                },
            )
        elif obj is not None and obj.language == Language.EN:
            text = (_("Text"), {"classes": ["intervention-text"], "fields": ["title", "body"]})
        else:
            # Each English field beside the original it translates: a two-column grid,
            # read row by row (original title, English title, original text, English text).
            text = (
                _("Text and English translation"),
                {
                    "classes": ["intervention-text", "side-by-side"],
                    "fields": ["original_title", "english_title", "original_text", "english_text"],
                },
            )
        return [
            text,
            # The decision comes after reading the text.
            (_("Moderation"), {"fields": moderation}),
            (
                _("About the intervention"),
                {
                    "fields": [
                        "reference",
                        "session",
                        "author",
                        "channel",
                        "delivered_at",
                        "kind",
                        "primary_theme",
                        "themes",
                        "regions",
                        "countries",
                    ]
                },
            ),
            (
                _("Credit and speaking"),
                {
                    "fields": [
                        "credit",
                        "credit_name",
                        "credit_organization",
                        "stakeholder_type_label",
                        "consent_to_publish",
                        "deliver_orally",
                        "agenda_item",
                        "speaking_order",
                    ]
                },
            ),
            (
                _("Dates"),
                {
                    "classes": ["collapse"],
                    "fields": [
                        "created_at",
                        "updated_at",
                        "submitted_at",
                        "decided_at",
                        "submission_token",
                    ],
                },
            ),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.can_moderate = self.has_moderate_permission(request)
        return form

    # Display

    @admin.display(description=pgettext_lazy("listening session", "session"), ordering="session")
    def session_short(self, obj):
        return Truncator(obj.session.title).chars(40)

    @admin.display(description=gettext_lazy("author"), ordering="author__email")
    def author_email(self, obj):
        return obj.author.email if obj.author else "—"

    @admin.display(description=gettext_lazy("stakeholder type"))
    def stakeholder_type_label(self, obj):
        return obj.stakeholder_type_label

    def get_search_results(self, request, queryset, search_term):
        """The short columns as Django searches them, or the titles and texts through the
        full-text search (PostgreSQL's index; SQLite's folded copy of the texts)."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        words = search_term.strip()[:MAX_QUERY_LENGTH]
        if not words:
            return found, may_have_duplicates
        texts = selectors.matching_query(interventions=queryset, query=words)
        return (
            queryset.filter(Q(pk__in=found.values("pk")) | Q(pk__in=texts.values("pk"))),
            False,
        )

    def lean_changelist_queryset(self, queryset):
        return (
            super()
            .lean_changelist_queryset(queryset)
            .annotate(
                has_english=ExpressionWrapper(
                    ~Q(english_text="") | Q(language=Language.EN), output_field=BooleanField()
                )
            )
        )

    @admin.display(description=gettext_lazy("English"), boolean=True)
    def has_translation(self, obj):
        if hasattr(obj, "has_english"):
            return obj.has_english
        return bool(obj.english_text) or obj.language == Language.EN

    # Templates render the originals, so every user-written character is escaped, and mark
    # their language for screen readers.

    @admin.display(description=gettext_lazy("original title"))
    def original_title(self, obj):
        return render_to_string(
            "interventions/admin/_original.html", {"intervention": obj, "text": obj.title}
        )

    @admin.display(description=gettext_lazy("original text"))
    def original_text(self, obj):
        return render_to_string(
            "interventions/admin/_original.html",
            {"intervention": obj, "text": obj.body, "paragraphs": True},
        )

    def changelist_view(self, request, extra_context=None):
        counts = selectors.count_interventions_by_status()
        base = reverse("admin:interventions_intervention_changelist")
        extra_context = {
            **(extra_context or {}),
            "status_counts": [
                (value, label, counts[value], f"{base}?status__exact={value}")
                for value, label in S.choices
            ],
        }
        return super().changelist_view(request, extra_context=extra_context)

    # Saving: every field but the status; a decision goes through the service.

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in (*STAFF_FIELDS, *ORAL_STAFF_FIELDS, "themes", "regions")
            if name in form.fields and name in form.cleaned_data
        }
        decision = form.cleaned_data.get("decision") if form.can_moderate else ""
        try:
            save_staff_edits(
                intervention=obj, actor=request.user, data=data, decision=decision or ""
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def save_related(self, request, form, formsets, change):
        # Tags were saved by `save_staff_edits`; only the (read-only) inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # Bulk actions

    def _moderate(self, request, queryset, to_status: str, feedback: str | None = None):
        changed, skipped = moderate_interventions(
            interventions=list(queryset), to_status=to_status, actor=request.user, feedback=feedback
        )
        if changed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d intervention is now “%(status)s”.",
                    "%(count)d interventions are now “%(status)s”.",
                    len(changed),
                )
                % {"count": len(changed), "status": S(to_status).label},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d intervention was left unchanged: its status does not allow it.",
                    "%(count)d interventions were left unchanged: their status does not allow it.",
                    len(skipped),
                )
                % {"count": len(skipped)},
                messages.WARNING,
            )

    @admin.action(permissions=["moderate"], description=gettext_lazy("Approve selected"))
    def approve_selected(self, request, queryset):
        self._moderate(request, queryset, S.APPROVED)

    @admin.action(permissions=["moderate"], description=gettext_lazy("Reject selected"))
    def reject_selected(self, request, queryset):
        self._moderate(request, queryset, S.REJECTED)

    @admin.action(
        permissions=["moderate"],
        description=gettext_lazy("Request changes to selected (with feedback)"),
    )
    def request_changes_selected(self, request, queryset):
        form = FeedbackForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._moderate(
                request, queryset, S.CHANGES_REQUESTED, feedback=form.cleaned_data["feedback"]
            )
            return None
        return TemplateResponse(
            request,
            "interventions/admin/request_changes.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Request changes"),
                "opts": self.model._meta,
                "form": form,
                "interventions": queryset.select_related("session"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
