"""Texts of the demo: the seed announcement's session, in the three languages, and sample
interventions written as stakeholders would write them."""

SESSION_SLUG = "covid-19-regular-pathways"

SERIES_SLUG = "covid-19-and-migration"
SERIES = {
    "title": {
        "en": "Stakeholder listening sessions on COVID-19 and migration",
        "fr": "Sessions d'écoute des parties prenantes sur la COVID-19 et les migrations",
        "es": "Sesiones de escucha de las partes interesadas sobre la COVID-19 y la migración",
    },
    "description": {
        "en": "The UN Network on Migration's series of exchanges with stakeholders on how the "
        "COVID-19 pandemic is impacting migrants and how successful policies and practices can "
        "ensure that no-one is left behind.",
        "fr": "La série d'échanges du Réseau des Nations Unies sur les migrations avec les parties "
        "prenantes sur la manière dont la pandémie de COVID-19 affecte les migrants et sur les "
        "politiques et pratiques qui permettent de ne laisser personne de côté.",
        "es": "La serie de intercambios de la Red de las Naciones Unidas sobre la Migración con las "
        "partes interesadas sobre cómo la pandemia de COVID-19 está afectando a los migrantes y "
        "cómo las políticas y prácticas eficaces pueden garantizar que nadie se quede atrás.",
    },
}

SESSION = {
    "title": {
        "en": "Stakeholder Listening Session: COVID-19 and the availability of regular pathways "
        "for the protection of migrants in situations of vulnerability",
        "fr": "Session d'écoute des parties prenantes : la COVID-19 et la disponibilité de voies "
        "régulières pour la protection des migrants en situation de vulnérabilité",
        "es": "Sesión de escucha de las partes interesadas: la COVID-19 y la disponibilidad de vías "
        "regulares para la protección de los migrantes en situación de vulnerabilidad",
    },
    "summary": {
        "en": "A space for civil society and other stakeholders to share emerging challenges, "
        "promising practices and examples of collaboration on regular pathways during the "
        "COVID-19 pandemic.",
        "fr": "Un espace où la société civile et les autres parties prenantes partagent les défis "
        "émergents, les pratiques prometteuses et les exemples de collaboration concernant les "
        "voies régulières pendant la pandémie de COVID-19.",
        "es": "Un espacio para que la sociedad civil y otras partes interesadas compartan los "
        "desafíos emergentes, las prácticas prometedoras y los ejemplos de colaboración en "
        "materia de vías regulares durante la pandemia de COVID-19.",
    },
    "description": {
        "en": (
            "The UN Network on Migration is pleased to announce its listening session as part of a "
            "series of exchanges with stakeholders looking at how the COVID-19 pandemic is impacting "
            "migrants and how successful policies and practices can ensure that in overcoming the "
            "current global crisis no-one is left behind. Listening sessions offer a space primarily "
            "for civil society and other stakeholders to speak and exchange on their activities.\n\n"
            "This listening session will focus on the impact of COVID-19 on the availability of "
            "regular pathways for the protection of migrants in situations of vulnerability, "
            "providing a space to share updates on emerging challenges, promising practices, and "
            "examples of ongoing collaboration among stakeholders in all regions.\n\n"
            "Participants are invited to share their experiences on the ground relating to "
            "challenges faced by migrants in accessing pathways during the current crisis, as well "
            "as possible new avenues for and access to legal admission and stay, including through "
            "regularization schemes, and to point towards potential policy and/or operational "
            "challenges and opportunities in the promotion and use of such pathways in the wake of "
            "the pandemic. It is expected that these views will inform the drafting of a Network "
            "policy brief on \u201cThe Impact of COVID 19 on Regular Migration Pathways: Adapting to "
            "Migrants' Needs\u201d."
        ),
        "fr": (
            "Le Réseau des Nations Unies sur les migrations a le plaisir d'annoncer sa session "
            "d'écoute, qui s'inscrit dans une série d'échanges avec les parties prenantes sur la "
            "manière dont la pandémie de COVID-19 affecte les migrants et sur les politiques et "
            "pratiques qui permettent, pour surmonter la crise mondiale actuelle, de ne laisser "
            "personne de côté. Les sessions d'écoute offrent avant tout à la société civile et aux "
            "autres parties prenantes un espace pour s'exprimer et échanger sur leurs activités.\n\n"
            "Cette session portera sur l'impact de la COVID-19 sur la disponibilité de voies "
            "régulières pour la protection des migrants en situation de vulnérabilité. Elle "
            "permettra de partager les défis émergents, les pratiques prometteuses et les exemples "
            "de collaboration en cours entre parties prenantes dans toutes les régions.\n\n"
            "Les participants sont invités à faire part de leur expérience de terrain : les "
            "obstacles rencontrés par les migrants pour accéder à ces voies pendant la crise, les "
            "nouvelles possibilités d'admission et de séjour légaux, notamment au moyen de "
            "programmes de régularisation, ainsi que les défis et les possibilités, politiques ou "
            "opérationnels, liés à la promotion et à l'utilisation de ces voies à la suite de la "
            "pandémie. Ces contributions nourriront la rédaction d'une note d'orientation du "
            "Réseau intitulée « L'impact de la COVID-19 sur les voies de migration régulières : "
            "s'adapter aux besoins des migrants »."
        ),
        "es": (
            "La Red de las Naciones Unidas sobre la Migración se complace en anunciar su sesión de "
            "escucha, que forma parte de una serie de intercambios con las partes interesadas sobre "
            "cómo la pandemia de COVID-19 está afectando a los migrantes y cómo las políticas y "
            "prácticas eficaces pueden garantizar que nadie se quede atrás al superar la actual "
            "crisis mundial. Las sesiones de escucha ofrecen un espacio, sobre todo a la sociedad "
            "civil y a otras partes interesadas, para expresarse e intercambiar sobre sus "
            "actividades.\n\n"
            "Esta sesión se centrará en el impacto de la COVID-19 en la disponibilidad de vías "
            "regulares para la protección de los migrantes en situación de vulnerabilidad, y "
            "ofrecerá un espacio para compartir los desafíos emergentes, las prácticas prometedoras "
            "y los ejemplos de colaboración en curso entre las partes interesadas de todas las "
            "regiones.\n\n"
            "Se invita a los participantes a compartir sus experiencias sobre el terreno: los "
            "obstáculos que enfrentan los migrantes para acceder a estas vías durante la crisis, las "
            "posibles nuevas vías de admisión y estancia legales, incluidos los programas de "
            "regularización, y los desafíos y oportunidades, normativos u operativos, para promover "
            "y utilizar dichas vías tras la pandemia. Se espera que estas opiniones orienten la "
            "redacción de un documento de políticas de la Red titulado «El impacto de la COVID-19 "
            "en las vías de migración regular: adaptarse a las necesidades de los migrantes»."
        ),
    },
    "organizers": {
        "en": "The Network's Working Group 3 on strengthening States' capacities to expand regular "
        "migration pathways, co-led by OHCHR, ACT Alliance and the Asia Pacific Refugee Rights "
        "Network (APRRN), in collaboration with the Network's Secretariat.",
        "fr": "Le Groupe de travail 3 du Réseau sur le renforcement des capacités des États à élargir "
        "les voies de migration régulières, codirigé par le HCDH, l'Alliance ACT et l'Asia Pacific "
        "Refugee Rights Network (APRRN), en collaboration avec le secrétariat du Réseau.",
        "es": "El Grupo de Trabajo 3 de la Red sobre el fortalecimiento de la capacidad de los Estados "
        "para ampliar las vías de migración regular, codirigido por el ACNUDH, la Alianza ACT y la "
        "Asia Pacific Refugee Rights Network (APRRN), en colaboración con la Secretaría de la Red.",
    },
    "interpretation_note": {
        "en": "The working language of this call will be English. Colleagues of the Network "
        "secretariat can translate brief questions or interventions made in French or Spanish "
        "into English on the call.",
        "fr": "La langue de travail de cet appel sera l'anglais. Des collègues du secrétariat du "
        "Réseau pourront traduire en anglais de brèves questions ou interventions faites en "
        "français ou en espagnol pendant l'appel.",
        "es": "El idioma de trabajo de esta llamada será el inglés. Colegas de la secretaría de la "
        "Red podrán traducir al inglés preguntas o intervenciones breves hechas en francés o en "
        "español durante la llamada.",
    },
    "brief_title": {
        "en": "The Impact of COVID 19 on Regular Migration Pathways: Adapting to Migrants' Needs",
        "fr": "L'impact de la COVID-19 sur les voies de migration régulières : s'adapter aux "
        "besoins des migrants",
        "es": "El impacto de la COVID-19 en las vías de migración regular: adaptarse a las "
        "necesidades de los migrantes",
    },
}

# (order, offset minutes, duration, kind, title en/fr/es, speakers)
AGENDA = [
    (
        1,
        0,
        10,
        "opening",
        ("Welcome and opening", "Accueil et ouverture", "Bienvenida y apertura"),
        "Network secretariat",
    ),
    (
        2,
        10,
        20,
        "framing",
        (
            "Framing: regular pathways and vulnerability during COVID-19",
            "Cadrage : voies régulières et vulnérabilité pendant la COVID-19",
            "Marco: vías regulares y vulnerabilidad durante la COVID-19",
        ),
        "OHCHR, ACT Alliance, APRRN",
    ),
    (
        3,
        30,
        40,
        "open_floor",
        (
            "Open floor: challenges and new avenues for admission and stay",
            "Tour de table : obstacles et nouvelles voies d'admission et de séjour",
            "Turno abierto: desafíos y nuevas vías de admisión y estancia",
        ),
        "",
    ),
    (
        4,
        70,
        35,
        "open_floor",
        (
            "Open floor: promising practices and collaboration",
            "Tour de table : pratiques prometteuses et collaboration",
            "Turno abierto: prácticas prometedoras y colaboración",
        ),
        "",
    ),
    (
        5,
        105,
        15,
        "closing",
        (
            "Next steps towards the policy brief and closing",
            "Prochaines étapes vers la note d'orientation et clôture",
            "Próximos pasos hacia el documento de políticas y clausura",
        ),
        "Working Group 3 co-leads",
    ),
]

# Demo people: (email, full name, organization, stakeholder type, country, region slug, language)
LIVE_SESSION_SLUG = "practice-open-floor"
LIVE_SESSION = {
    "title": {
        "en": "Practice open floor (live demo)",
        "fr": "Tour de table d'essai (démonstration en direct)",
        "es": "Turno abierto de práctica (demostración en directo)",
    },
    "summary": {
        "en": "A short practice call to try asking for the floor and the secretariat's live desk.",
        "fr": "Un court appel d'essai pour demander la parole et découvrir le pupitre du secrétariat.",
        "es": "Una breve llamada de práctica para pedir la palabra y probar el pupitre de la secretaría.",
    },
    "interpretation_note": {
        "en": "Brief interventions in French or Spanish are interpreted into English on the call.",
        "fr": "Les brèves interventions en français ou en espagnol sont interprétées en anglais pendant l'appel.",
        "es": "Las intervenciones breves en francés o español se interpretan al inglés durante la llamada.",
    },
}
LIVE_AGENDA = [
    (1, 0, 5, "opening", ("Welcome", "Accueil", "Bienvenida")),
    (
        2,
        5,
        45,
        "open_floor",
        (
            "Open floor: what changed for migrants' access to regular pathways",
            "Tour de table : ce qui a changé pour l'accès des migrants aux voies régulières",
            "Turno abierto: qué cambió en el acceso de los migrantes a las vías regulares",
        ),
    ),
    (3, 50, 10, "closing", ("Closing", "Clôture", "Clausura")),
]

STAKEHOLDERS = [
    (
        "stakeholder@example.org",
        "Amina Diallo",
        "Réseau Migrations Sahel",
        "civil_society",
        "SN",
        "africa",
        "en",
    ),
    (
        "maria.lopez@example.org",
        "María López",
        "Red de Migrantes del Caribe",
        "migrant_led",
        "DO",
        "latin-america-caribbean",
        "es",
    ),
    (
        "claire.martin@example.org",
        "Claire Martin",
        "Fédération syndicale des travailleurs migrants",
        "trade_union",
        "FR",
        "europe-north-america",
        "fr",
    ),
    (
        "rahul.mehta@example.org",
        "Rahul Mehta",
        "Migrant Workers Forum Asia",
        "civil_society",
        "IN",
        "asia-pacific",
        "en",
    ),
    (
        "layla.haddad@example.org",
        "Layla Haddad",
        "Beirut Legal Aid Collective",
        "civil_society",
        "LB",
        "arab-states",
        "en",
    ),
    (
        "jose.ramirez@example.org",
        "José Ramírez",
        "Universidad del Pacífico",
        "academia",
        "CO",
        "latin-america-caribbean",
        "es",
    ),
    (
        "grace.otieno@example.org",
        "Grace Otieno",
        "Kenya National Commission on Human Rights",
        "nhri",
        "KE",
        "africa",
        "en",
    ),
    (
        "pierre.nzeyimana@example.org",
        "Pierre Nzeyimana",
        "Caritas Grands Lacs",
        "faith_based",
        "RW",
        "africa",
        "fr",
    ),
]

# (author index, kind, language, status, primary theme, other themes, regions, countries, credit,
#  orally, title, body, english title, english text)
INTERVENTIONS = [
    (
        0,
        "challenge",
        "en",
        "approved",
        "permit-extensions",
        ["services-protection"],
        ["africa"],
        ["SN", "ML"],
        "named",
        True,
        "Expired residence permits left seasonal workers without access to care",
        "When borders closed in March, many seasonal workers from Mali and Guinea were stranded in "
        "Senegal with permits that expired within weeks. Consulates were closed and online renewal "
        "did not exist. Without a valid document, people were turned away from health centres and "
        "could not open a mobile money account to receive support from their families. Our "
        "paralegals counted more than 400 such cases in Dakar alone between April and July.",
        "",
        "",
    ),
    (
        1,
        "new_avenue",
        "es",
        "approved",
        "regularization",
        ["labour-pathways"],
        ["latin-america-caribbean"],
        ["DO", "HT"],
        "organization",
        True,
        "La regularización de trabajadores agrícolas como respuesta a la pandemia",
        "Durante la pandemia, el gobierno abrió un proceso extraordinario de regularización para "
        "trabajadores agrícolas de origen haitiano. Las organizaciones de migrantes acompañamos a más "
        "de dos mil personas en la presentación de documentos. El proceso fue gratuito y se aceptaron "
        "pruebas alternativas de residencia, como recibos de pago o cartas de empleadores, lo que "
        "permitió incluir a quienes nunca habían tenido un pasaporte.",
        "Regularizing farm workers as a response to the pandemic",
        "During the pandemic, the government opened an extraordinary regularization process for "
        "agricultural workers of Haitian origin. Migrant organizations accompanied more than two "
        "thousand people in submitting their documents. The process was free of charge and accepted "
        "alternative proof of residence, such as pay slips or letters from employers, which made it "
        "possible to include people who had never held a passport.",
    ),
    (
        2,
        "promising_practice",
        "fr",
        "approved",
        "labour-pathways",
        ["permit-extensions"],
        ["europe-north-america"],
        ["FR"],
        "named",
        False,
        "Prolongation automatique des titres de séjour : une mesure à pérenniser",
        "En 2020, les titres de séjour arrivant à expiration ont été prolongés automatiquement de six "
        "mois. Cette mesure a évité des ruptures de droits pour des milliers de travailleurs, "
        "notamment dans l'agriculture et les services à la personne. Nous demandons qu'un mécanisme "
        "similaire soit prévu en permanence pour toute situation de crise, et que les préfectures "
        "disposent de moyens suffisants pour traiter les demandes en ligne.",
        "",
        "",
    ),
    (
        3,
        "challenge",
        "en",
        "approved",
        "labour-pathways",
        ["services-protection"],
        ["asia-pacific"],
        ["IN", "AE", "QA"],
        "organization",
        True,
        "Recruitment fees rose while labour corridors were frozen",
        "As labour corridors to the Gulf reopened, recruitment agencies charged workers for quarantine "
        "hotels, tests and new flights, on top of fees that were already illegal. Workers who had "
        "lost their jobs during lockdowns borrowed again to migrate. Bilateral agreements said "
        "nothing about who pays for pandemic measures. We recommend that employers bear these costs "
        "and that this be written into every labour agreement.",
        "",
        "",
    ),
    (
        4,
        "challenge",
        "en",
        "approved",
        "services-protection",
        ["humanitarian-admission"],
        ["arab-states"],
        ["LB"],
        "anonymous",
        False,
        "Domestic workers abandoned at embassies",
        "During the economic crisis and the pandemic, hundreds of domestic workers were left by their "
        "employers outside their embassies without passports or wages. Under the sponsorship system "
        "they could not change employer or leave the country legally. Shelters were full. Some were "
        "repatriated after months, others remain undocumented. Any pathway must start by allowing "
        "workers to change employer without the employer's consent.",
        "",
        "",
    ),
    (
        5,
        "policy",
        "es",
        "approved",
        "humanitarian-admission",
        ["regularization"],
        ["latin-america-caribbean"],
        ["CO", "VE"],
        "named",
        True,
        "El estatuto temporal de protección: oportunidades y límites",
        "El estatuto temporal de protección para personas venezolanas ofrece diez años de residencia "
        "regular. Es una oportunidad histórica, pero el registro exige conectividad y documentos que "
        "muchas personas no tienen. Recomendamos jornadas presenciales de registro en zonas rurales y "
        "de frontera, y que la falta de pasaporte no impida el acceso.",
        "",
        "",
    ),
    (
        6,
        "recommendation",
        "en",
        "approved",
        "services-protection",
        ["regularization"],
        ["africa", "global"],
        ["KE"],
        "named",
        False,
        "Firewalls between health services and immigration enforcement",
        "Vaccination campaigns reached migrants in an irregular situation only where health "
        "authorities guaranteed that data would not be shared with immigration enforcement. We "
        "recommend that States adopt firewalls in law, and that national human rights institutions "
        "monitor them.",
        "",
        "",
    ),
    (
        7,
        "collaboration",
        "fr",
        "approved",
        "family-reunification",
        ["humanitarian-admission"],
        ["africa"],
        ["RW", "BI", "CD"],
        "organization",
        True,
        "Réunir les familles séparées par la fermeture des frontières",
        "Avec les paroisses de la région des Grands Lacs, nous avons mis en place un réseau de "
        "recherche de familles séparées par la fermeture des frontières. Les autorités locales ont "
        "accepté des documents de voyage provisoires délivrés sur la base de nos attestations. Cent "
        "vingt enfants ont ainsi pu rejoindre leurs parents.",
        "Reuniting families separated by border closures",
        "With parishes in the Great Lakes region, we set up a network to trace families separated "
        "by border closures. Local authorities accepted provisional travel documents issued on the "
        "basis of our attestations. One hundred and twenty children were thus able to join their "
        "parents.",
    ),
    (
        0,
        "recommendation",
        "en",
        "approved",
        "regularization",
        [],
        ["africa", "global"],
        [],
        "named",
        False,
        "Make regularization schemes permanent and simple",
        "Temporary measures helped, but they ended before most people could apply. Schemes should "
        "stay open, be free, accept many kinds of evidence, and not depend on a single employer.",
        "",
        "",
    ),
    (
        3,
        "promising_practice",
        "en",
        "approved",
        "permit-extensions",
        [],
        ["asia-pacific"],
        ["TH"],
        "named",
        False,
        "Online permit renewal for migrant workers",
        "A national online renewal system allowed migrant workers to extend their permits without "
        "queuing at offices during lockdown. Migrant organizations ran help desks to assist those "
        "without smartphones. Renewal fees were waived for three months.",
        "",
        "",
    ),
    (
        1,
        "challenge",
        "es",
        "approved",
        "study-pathways",
        ["permit-extensions"],
        ["latin-america-caribbean"],
        ["DO"],
        "anonymous",
        False,
        "Estudiantes sin visado tras el cierre de las universidades",
        "Cuando las universidades pasaron a clases en línea, muchos estudiantes extranjeros perdieron "
        "la condición que justificaba su visado. Algunos no podían regresar a su país por el cierre "
        "de fronteras y quedaron en situación irregular.",
        "",
        "",
    ),
    (
        5,
        "new_avenue",
        "es",
        "approved",
        "labour-pathways",
        ["regularization"],
        ["latin-america-caribbean"],
        ["CO", "PE"],
        "organization",
        False,
        "Permisos de trabajo para personal sanitario migrante",
        "Varios países permitieron que profesionales de la salud migrantes ejercieran durante la "
        "emergencia con homologación provisional de títulos. Proponemos que esta vía se mantenga y "
        "conduzca a la residencia permanente.",
        "Work permits for migrant health workers",
        "Several countries allowed migrant health professionals to practise during the emergency "
        "with provisional recognition of their qualifications. We propose that this pathway be kept "
        "and lead to permanent residence.",
    ),
    (
        2,
        "collaboration",
        "fr",
        "approved",
        "labour-pathways",
        [],
        ["europe-north-america"],
        ["FR", "MA"],
        "named",
        False,
        "Syndicats des deux rives : un accord pour les saisonniers",
        "Des syndicats français et marocains ont négocié avec les employeurs agricoles la prise en "
        "charge de la quarantaine et du transport des travailleurs saisonniers. Cet accord pourrait "
        "servir de modèle pour d'autres corridors.",
        "",
        "",
    ),
    (
        6,
        "policy",
        "en",
        "approved",
        "disasters-climate",
        ["humanitarian-admission"],
        ["africa"],
        ["KE", "SO"],
        "named",
        False,
        "Drought, COVID-19 and the lack of humanitarian visas",
        "People displaced by drought across the Horn of Africa faced closed borders during the "
        "pandemic. No regional instrument offered them temporary admission. We call for "
        "humanitarian visas that consider slow-onset disasters.",
        "",
        "",
    ),
    (
        4,
        "recommendation",
        "en",
        "submitted",
        "services-protection",
        [],
        ["arab-states"],
        ["JO"],
        "organization",
        True,
        "Include migrant workers in social protection schemes",
        "Unemployment support during lockdowns excluded migrant workers. Social protection should "
        "follow the worker, whatever the status or sponsor.",
        "",
        "",
    ),
    (
        7,
        "challenge",
        "fr",
        "submitted",
        "humanitarian-admission",
        [],
        ["africa"],
        ["CD"],
        "named",
        False,
        "Les demandes d'asile suspendues pendant des mois",
        "Les guichets d'enregistrement des demandes d'asile ont fermé pendant plusieurs mois. Les "
        "personnes arrivées pendant cette période n'ont eu aucun document.",
        "",
        "",
    ),
    (
        5,
        "promising_practice",
        "es",
        "submitted",
        "regularization",
        [],
        ["latin-america-caribbean"],
        ["CO"],
        "named",
        False,
        "Brigadas móviles de registro",
        "Las brigadas móviles de registro llegaron a comunidades rurales sin acceso a internet.",
        "",
        "",
    ),
    (
        3,
        "challenge",
        "en",
        "changes_requested",
        "labour-pathways",
        [],
        ["asia-pacific"],
        ["MY"],
        "named",
        False,
        "Workers stuck in dormitories",
        "Dormitories were locked down for months.",
        "",
        "",
    ),
    (
        1,
        "policy",
        "es",
        "changes_requested",
        "family-reunification",
        [],
        ["latin-america-caribbean"],
        ["DO"],
        "organization",
        False,
        "Reunificación familiar suspendida",
        "Los trámites de reunificación familiar se suspendieron sin plazos.",
        "",
        "",
    ),
    (
        0,
        "challenge",
        "en",
        "rejected",
        "services-protection",
        [],
        ["global"],
        [],
        "named",
        False,
        "Test entry please ignore",
        "This was sent by mistake while trying the form.",
        "",
        "",
    ),
    (
        6,
        "recommendation",
        "en",
        "withdrawn",
        "regularization",
        [],
        ["africa"],
        ["KE"],
        "named",
        False,
        "Earlier version of our recommendation",
        "Withdrawn by the author in favour of a new text.",
        "",
        "",
    ),
    (
        2,
        "recommendation",
        "fr",
        "draft",
        "labour-pathways",
        [],
        ["europe-north-america"],
        ["FR"],
        "named",
        False,
        "Brouillon : propositions pour les saisonniers",
        "À compléter avant la date limite.",
        "",
        "",
    ),
    (
        4,
        "challenge",
        "en",
        "draft",
        "humanitarian-admission",
        [],
        ["arab-states"],
        ["LB"],
        "anonymous",
        False,
        "Draft: exit permits",
        "Notes for our intervention on exit permits.",
        "",
        "",
    ),
    (
        0,
        "collaboration",
        "en",
        "approved",
        "humanitarian-admission",
        ["family-reunification"],
        ["africa", "europe-north-america"],
        ["SN", "ES"],
        "named",
        False,
        "Cities cooperating on safe arrivals",
        "Municipalities in Senegal and Spain exchanged information so that people arriving by sea "
        "could be referred to shelters and legal advice instead of detention.",
        "",
        "",
    ),
]

FEEDBACK = {
    "changes_requested": "Thank you. Could you add the period concerned and what change you "
    "recommend? Please keep it under the word limit.",
    "rejected": "This looks like a test entry, so we have not included it.",
}
