"""The two roles, as Django groups with their permissions."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

SECRETARIAT = "Secretariat"
WORKING_GROUP = "Working Group 3"

# Both roles quote and code approved inputs and keep the coding frame (on the site; the
# secretariat in the admin too).
QUOTING = [
    "interventions.code_quote",
    "interventions.view_quote",
    "interventions.change_quote",
    "interventions.delete_quote",
    "interventions.add_analysiscode",
    "interventions.change_analysiscode",
    "interventions.view_analysiscode",
]

ROLES = {
    SECRETARIAT: [
        "sessions_app.add_listeningsession",
        "sessions_app.change_listeningsession",
        "sessions_app.view_listeningsession",
        "sessions_app.add_agendaitem",
        "sessions_app.change_agendaitem",
        "sessions_app.delete_agendaitem",
        "sessions_app.view_agendaitem",
        "sessions_app.change_registration",
        "sessions_app.view_registration",
        "sessions_app.view_profile",
        "sessions_app.view_registrationstatuschange",
        "sessions_app.run_live_desk",
        "sessions_app.view_held_report",
        "sessions_app.view_floorrequest",
        "interventions.view_intervention",
        "interventions.change_intervention",
        "interventions.moderate_intervention",
        "interventions.browse_approved_intervention",
        "interventions.view_interventionstatuschange",
        "interventions.view_interventioncorrection",
        "interventions.add_region",
        "interventions.change_region",
        "interventions.view_region",
        "interventions.add_theme",
        "interventions.change_theme",
        "interventions.view_theme",
        "briefs.view_briefpack",
        "briefs.view_policybrief",
        *QUOTING,
    ],
    WORKING_GROUP: [
        "sessions_app.view_held_report",
        "interventions.browse_approved_intervention",
        *QUOTING,
        "briefs.request_briefpack",
        "briefs.view_briefpack",
        "briefs.view_policybrief",
    ],
}


def ensure_roles(apps=global_apps) -> None:
    """Create the role groups and set their permissions (idempotent)."""
    for app_config in apps.get_app_configs():
        if getattr(app_config, "models_module", None) is None:
            app_config.models_module = True
            create_permissions(app_config, verbosity=0, apps=apps)
            app_config.models_module = None
        else:
            create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for code in codes:
            app_label, codename = code.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None and apps is not global_apps:
                # A migration's view of the models may predate this permission's model; a
                # later migration calls this again.
                continue
            if permission is None:
                raise LookupError(code)
            perms.append(permission)
        group.permissions.set(perms)


def ensure_site(apps=global_apps) -> None:
    """Name the default site, which allauth uses in its emails (idempotent)."""
    Site = apps.get_model("sites", "Site")
    Site.objects.update_or_create(
        pk=1, defaults={"domain": "127.0.0.1:8000", "name": "Listening — UN Network on Migration"}
    )
