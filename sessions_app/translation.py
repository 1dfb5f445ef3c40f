from modeltranslation.translator import TranslationOptions, register

from .models import AgendaItem, ListeningSession


@register(ListeningSession)
class ListeningSessionTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "organizers", "interpretation_note", "brief_title")


@register(AgendaItem)
class AgendaItemTranslation(TranslationOptions):
    fields = ("title", "description")
