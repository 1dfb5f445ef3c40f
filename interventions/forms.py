import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.enums import Language
from sessions_app.models import Series
from sessions_app.selectors import list_public_sessions

from . import selectors
from .enums import APPROVED_PAGE_SIZES, ApprovedSort, Channel, InterventionKind
from .models import AnalysisCode, Intervention, Quote, Region, Theme
from .search import MAX_QUERY_LENGTH
from .services import validate_body


class InterventionForm(forms.ModelForm):
    """What an author writes. Only active themes and regions are offered."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    primary_theme = forms.ModelChoiceField(
        label=_("Primary theme"),
        queryset=Theme.objects.none(),
        empty_label=_("Choose the theme it is mostly about"),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Other themes"),
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"),
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The regions your intervention speaks about."),
    )

    class Meta:
        model = Intervention
        fields = [
            "kind",
            "title",
            "body",
            "language",
            "primary_theme",
            "themes",
            "regions",
            "countries",
            "credit",
            "consent_to_publish",
            "deliver_orally",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "credit": forms.RadioSelect,
            "body": forms.Textarea(attrs={"rows": 14}),
        }
        labels = {
            "body": _("Your intervention"),
            "consent_to_publish": _(
                "Once approved, it may be published on the session’s public “What we heard” page"
            ),
        }
        help_texts = {
            "consent_to_publish": _(
                "Credited as you chose above. Without this, it only informs the policy brief."
            ),
            "countries": _("Optional: the countries it concerns; choose as many as apply."),
            "deliver_orally": _(
                "The secretariat may then invite you to speak during an open-floor segment."
            ),
        }

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.fields["primary_theme"].queryset = selectors.active_themes()
        self.fields["themes"].queryset = selectors.active_themes()
        self.fields["regions"].queryset = selectors.active_regions()
        self.fields["kind"].choices = InterventionKind.choices
        self.fields["language"].choices = Language.choices
        # A searchable list (static/js/searchable-select.js); a plain multiple select without
        # JavaScript.
        self.fields["countries"].widget.attrs.update(
            {
                "data-searchable": "",
                "data-placeholder": _("Type a country’s name"),
                "data-no-results": _("No country matches"),
                "data-remove-label": _("Remove"),
            }
        )
        body = self.fields["body"]
        body.max_length = settings.INTERVENTION_MAX_CHARS
        body.validators.append(MaxLengthValidator(body.max_length))
        body.widget.attrs.update(
            {
                "maxlength": str(body.max_length),
                "data-word-limit": str(session.word_limit),
                "data-word-count-output": "word-count",
                "aria-describedby": "word-count",
            }
        )
        body.help_text = ngettext(
            "At most %(limit)d word.", "At most %(limit)d words.", session.word_limit
        ) % {"limit": session.word_limit}
        if not self.is_bound and self.instance.pk is None:
            self.initial.setdefault("submission_token", uuid.uuid4())
            # Most people write in the language they read the site in.
            self.initial.setdefault("language", translation.get_language())

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        try:
            validate_body(body=body, session=self.session)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["body"]) from None
        return body

    def author_data(self) -> dict:
        """The cleaned values, as the services take them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices of a short list of rows, read with one plain query.

    Django's iterator reads them through `QuerySet.iterator()`, which on PostgreSQL opens a
    server-side cursor: a round trip each to declare, fetch and close it, and a copy of the
    result kept at commit, for lists of a few rows.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedChoiceField(forms.ModelChoiceField):
    """A choice among a short list of rows (see ListedChoiceIterator)."""

    iterator = ListedChoiceIterator


class ApprovedFilterForm(forms.Form):
    """Working Group 3's search, filters, sort and page size (GET). Invalid values are
    dropped (a too long search with a message), never an error page."""

    # Fields that filter the selection (the list, its counts and its exports) besides the
    # search, and those that only change how the list shows it.
    FILTER_FIELDS = ("session", "series", "region", "theme", "kind", "language", "channel")
    DISPLAY_FIELDS = ("sort", "per_page")

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        help_text=_(
            "Words in the title or text, original or English translation; every word must "
            "match, with or without accents."
        ),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    session = ListedChoiceField(
        label=_("Session"), queryset=None, to_field_name="slug", required=False
    )
    series = ListedChoiceField(
        label=_("Series"), queryset=None, to_field_name="slug", required=False
    )
    region = ListedChoiceField(
        label=_("Region"), queryset=None, to_field_name="slug", required=False
    )
    theme = ListedChoiceField(label=_("Theme"), queryset=None, to_field_name="slug", required=False)
    kind = forms.ChoiceField(label=_("Type"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    channel = forms.ChoiceField(label=_("Written or oral"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False)
    per_page = forms.TypedChoiceField(
        label=_("Per page"),
        required=False,
        coerce=int,
        choices=[(n, n) for n in sorted(APPROVED_PAGE_SIZES)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = list_public_sessions()
        self.fields["series"].queryset = Series.objects.order_by("title", "id")
        # The default sort: by relevance when searching, by session otherwise (a new search
        # from a list sorted by session is still sorted by relevance).
        self.fields["sort"].choices = [
            ("", ApprovedSort.RELEVANCE.label),
            *(c for c in ApprovedSort.choices if c[0] != ApprovedSort.RELEVANCE),
        ]
        # The page size in use shows in its menu, chosen or not.
        self.fields["per_page"].initial = APPROVED_PAGE_SIZES[0]
        if self.is_bound and not self.data.get("per_page"):
            self.data = self.data.copy()
            self.data["per_page"] = str(APPROVED_PAGE_SIZES[0])
        self.fields["region"].queryset = Region.objects.order_by("order", "slug")
        self.fields["theme"].queryset = Theme.objects.order_by("order", "slug")
        self.fields["kind"].choices = [("", _("All types")), *InterventionKind.choices]
        self.fields["language"].choices = [("", _("All languages")), *Language.choices]
        self.fields["channel"].choices = [("", _("Written and oral")), *Channel.choices]
        for name in ("session", "series", "region", "theme"):
            self.fields[name].empty_label = _("All")

    def _cleaned(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def filters(self) -> dict:
        """The valid filters only, as `filter_public_approved_interventions` takes them: an
        invalid value is ignored."""
        cleaned = self._cleaned()
        filters = {name: cleaned[name] for name in self.FILTER_FIELDS if cleaned.get(name)}
        if cleaned.get("q", "").strip():
            filters["query"] = cleaned["q"].strip()
        return filters

    def carried(self, names) -> list[tuple[str, str]]:
        """The submitted values of the fields `names`, for hidden inputs of another form on
        the page (the search keeps the filters, the filters keep the search)."""
        return [(name, self.data[name]) for name in names if self.is_bound and self.data.get(name)]

    def sort_order(self) -> str:
        """The sort asked for, or "" for the default (by relevance when searching)."""
        return self._cleaned().get("sort") or ""

    def page_size(self) -> int:
        """Rows per page: the one asked for when it is offered, else the default."""
        return self._cleaned().get("per_page") or APPROVED_PAGE_SIZES[0]


class OralRecordForm(forms.ModelForm):
    """What the live desk records about a delivered contribution."""

    primary_theme = forms.ModelChoiceField(
        label=_("Primary theme"),
        queryset=Theme.objects.none(),
        empty_label=_("Choose the theme it is mostly about"),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Other themes"),
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"),
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The regions the contribution speaks about."),
    )
    delivered_at = forms.DateTimeField(
        label=_("Delivered at (UTC)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    class Meta:
        model = Intervention
        fields = [
            "title",
            "language",
            "body",
            "english_title",
            "english_text",
            "kind",
            "primary_theme",
            "themes",
            "regions",
            "countries",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "language": forms.RadioSelect,
            "body": forms.Textarea(attrs={"rows": 6}),
            "english_text": forms.Textarea(attrs={"rows": 6}),
        }
        labels = {
            "title": _("Title"),
            "language": _("Language spoken"),
            "body": _("Short summary, in the language spoken"),
            "english_title": _("English title"),
            "english_text": _("English interpretation given on the call"),
        }
        help_texts = {
            "consent_to_publish": _(
                "Credited as you chose above. Without this, it only informs the policy brief."
            ),
            "english_text": _("Required when the speaker spoke French or Spanish."),
            "english_title": _("When the title is in French or Spanish."),
            "countries": _("Optional: the countries it concerns."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary_theme"].queryset = selectors.active_themes()
        self.fields["themes"].queryset = selectors.active_themes()
        self.fields["regions"].queryset = selectors.active_regions()
        self.fields["kind"].choices = InterventionKind.choices
        self.fields["language"].choices = Language.choices
        self.fields["body"].max_length = settings.INTERVENTION_MAX_CHARS
        self.fields["body"].validators.append(MaxLengthValidator(settings.INTERVENTION_MAX_CHARS))

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("language") not in (None, Language.EN)
            and not (cleaned.get("english_text") or "").strip()
        ):
            self.add_error("english_text", _("Give the English interpretation of what was said."))
        return cleaned

    def record_data(self) -> dict:
        """The cleaned values, as `record_oral_intervention` takes them."""
        names = [*self.Meta.fields, "delivered_at"]
        return {name: self.cleaned_data[name] for name in names}


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label=_("What should be corrected?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Say what is wrong or missing in the summary or its English interpretation, and how "
            "you would put it. The secretariat reviews it before the record is used."
        ),
    )


class PublicationConsentForm(forms.Form):
    """The author's answer: may the approved input appear on the public "What we heard" page?"""

    consent_to_publish = forms.BooleanField(
        label=_("Once approved, it may be published on the session’s public “What we heard” page"),
        required=False,
        help_text=_("Credited as you chose. Without this, it only informs the policy brief."),
    )


# A quoted passage is a few sentences, never a whole book.
QUOTE_MAX_LENGTH = 5000


class QuoteForm(forms.Form):
    """A passage of an approved intervention and its codes. The page's script fills the
    passage from a selection; without it, the passage is pasted (and checked all the same)."""

    source = forms.ChoiceField(label=_("Quoted from"), widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Passage"),
        max_length=QUOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "data-quote-passage": ""}),
        help_text=_(
            "Select a passage in the text and it appears here, or paste it exactly as written."
        ),
    )
    codes = forms.ModelMultipleChoiceField(
        label=_("Codes"),
        queryset=AnalysisCode.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, intervention: Intervention, **kwargs):
        super().__init__(*args, **kwargs)
        sources = selectors.quote_sources(intervention=intervention)
        self.fields["source"].choices = sources
        self.fields["source"].initial = sources[0][0]
        self.fields["codes"].queryset = selectors.active_analysis_codes()


class QuoteEditForm(forms.ModelForm):
    """A quote's codes and note (its passage stays as quoted). Inactive codes it already
    carries are still offered, so that editing the note does not drop them."""

    codes = forms.ModelMultipleChoiceField(
        label=_("Codes"), queryset=AnalysisCode.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Quote
        fields = ["codes", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        carried = self.instance.codes.values("pk") if self.instance.pk else []
        self.fields["codes"].queryset = AnalysisCode.objects.filter(
            Q(is_active=True) | Q(pk__in=carried)
        ).order_by("order", "slug")


class QuoteFilterForm(forms.Form):
    """The quote bank's filters (GET). Invalid values are dropped, never an error page."""

    code = forms.ModelChoiceField(
        label=_("Code"), queryset=None, to_field_name="slug", required=False
    )
    theme = forms.ModelChoiceField(
        label=_("Theme"), queryset=None, to_field_name="slug", required=False
    )
    session = forms.ModelChoiceField(
        label=_("Session"), queryset=None, to_field_name="slug", required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].queryset = AnalysisCode.objects.order_by("order", "slug")
        self.fields["theme"].queryset = Theme.objects.order_by("order", "slug")
        self.fields["session"].queryset = list_public_sessions()
        for name in ("code", "theme", "session"):
            self.fields[name].empty_label = _("All")

    def filters(self) -> dict:
        """The valid filters only: an invalid value is ignored."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned[name] for name in self.fields if cleaned.get(name)}


class AnalysisCodeForm(forms.ModelForm):
    """A code of the coding frame, named in the three languages."""

    class Meta:
        model = AnalysisCode
        fields = [
            "name_en",
            "name_fr",
            "name_es",
            "slug",
            "description_en",
            "description_fr",
            "description_es",
            "order",
            "is_active",
        ]
        widgets = {
            "description_en": forms.Textarea(attrs={"rows": 2}),
            "description_fr": forms.Textarea(attrs={"rows": 2}),
            "description_es": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name_en"].required = True

    def code_data(self) -> dict:
        """The cleaned values, as `save_analysis_code` takes them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
