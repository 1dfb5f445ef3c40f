"""The regions, themes and analysis codes every installation starts with, in English, French and
Spanish."""

from django.apps import apps as global_apps

REGIONS = [
    ("global", "Global", "Mondial", "Global"),
    ("africa", "Africa", "Afrique", "África"),
    ("arab-states", "Arab States", "États arabes", "Estados Árabes"),
    ("asia-pacific", "Asia and the Pacific", "Asie et Pacifique", "Asia y el Pacífico"),
    (
        "europe-north-america",
        "Europe and North America",
        "Europe et Amérique du Nord",
        "Europa y América del Norte",
    ),
    (
        "latin-america-caribbean",
        "Latin America and the Caribbean",
        "Amérique latine et Caraïbes",
        "América Latina y el Caribe",
    ),
]

THEMES = [
    ("regularization", "Regularization", "Régularisation", "Regularización"),
    (
        "labour-pathways",
        "Labour migration pathways",
        "Voies de migration de travail",
        "Vías de migración laboral",
    ),
    (
        "family-reunification",
        "Family reunification",
        "Regroupement familial",
        "Reunificación familiar",
    ),
    (
        "humanitarian-admission",
        "Humanitarian admission and visas",
        "Admission et visas humanitaires",
        "Admisión y visados humanitarios",
    ),
    (
        "study-pathways",
        "Education and study pathways",
        "Voies d'accès par les études",
        "Vías de acceso por estudios",
    ),
    (
        "permit-extensions",
        "Visa and permit extensions during COVID-19",
        "Prolongation des visas et des titres de séjour pendant la COVID-19",
        "Prórroga de visados y permisos durante la COVID-19",
    ),
    (
        "services-protection",
        "Access to services and protection",
        "Accès aux services et à la protection",
        "Acceso a servicios y protección",
    ),
    (
        "disasters-climate",
        "Disasters, climate change and environmental degradation",
        "Catastrophes, changement climatique et dégradation de l'environnement",
        "Desastres, cambio climático y degradación ambiental",
    ),
]

# Working Group 3's coding frame as it starts: the kinds of input the announcement asks for.
ANALYSIS_CODES = [
    ("challenges", "Challenges", "Défis", "Desafíos"),
    (
        "new-avenues",
        "New avenues for admission and stay",
        "Nouvelles voies d'admission et de séjour",
        "Nuevas vías de admisión y estancia",
    ),
    (
        "promising-practices",
        "Promising practices",
        "Pratiques prometteuses",
        "Prácticas prometedoras",
    ),
    ("collaboration", "Collaboration", "Collaboration", "Colaboración"),
    (
        "policy-operational",
        "Policy and operational challenges and opportunities",
        "Défis et opportunités politiques et opérationnels",
        "Desafíos y oportunidades normativos y operativos",
    ),
    ("recommendations", "Recommendations", "Recommandations", "Recomendaciones"),
]


def seed_analysis_codes(apps=global_apps) -> None:
    """Create the seeded analysis codes that do not exist yet (idempotent; a code the working
    group renamed or deactivated is left as it is)."""
    AnalysisCode = apps.get_model("interventions", "AnalysisCode")
    for order, (slug, en, fr, es) in enumerate(ANALYSIS_CODES):
        AnalysisCode.objects.get_or_create(
            slug=slug,
            defaults={"name": en, "name_en": en, "name_fr": fr, "name_es": es, "order": order},
        )


def seed_regions_and_themes(apps=global_apps) -> None:
    """Create or refresh the seeded regions and themes (idempotent)."""
    Region = apps.get_model("interventions", "Region")
    Theme = apps.get_model("interventions", "Theme")
    for order, (slug, en, fr, es) in enumerate(REGIONS):
        Region.objects.update_or_create(
            slug=slug,
            defaults={"name": en, "name_en": en, "name_fr": fr, "name_es": es, "order": order},
        )
    for order, (slug, en, fr, es) in enumerate(THEMES):
        Theme.objects.update_or_create(
            slug=slug,
            defaults={"name": en, "name_en": en, "name_fr": fr, "name_es": es, "order": order},
        )
