from modeltranslation.translator import TranslationOptions, register

from .models import AnalysisCode, Region, Theme


@register(Region)
class RegionTranslation(TranslationOptions):
    fields = ("name",)


@register(Theme)
class ThemeTranslation(TranslationOptions):
    fields = ("name", "description")


@register(AnalysisCode)
class AnalysisCodeTranslation(TranslationOptions):
    fields = ("name", "description")
