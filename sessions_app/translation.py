from modeltranslation.translator import TranslationOptions, register

from .models import AgendaItem, ListeningSession, Series


@register(ListeningSession)
class ListeningSessionTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "organizers", "interpretation_note", "brief_title")


@register(AgendaItem)
class AgendaItemTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Series)
class SeriesTranslation(TranslationOptions):
    fields = ("title", "description")
