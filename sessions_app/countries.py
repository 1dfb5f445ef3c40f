"""Which of the seeded regions a country belongs to, to pre-fill a profile's region.

The grouping follows the regional reviews of the Global Compact for Migration (the UN
regional economic commissions): members of the League of Arab States are under Arab
States, the Central Asian republics, Israel and Türkiye under Europe and North America.
A few uninhabited territories have no region; the stakeholder then chooses one.
"""

REGION_COUNTRIES: dict[str, str] = {
    "africa": (
        "AO BF BI BJ BW CD CF CG CI CM CV EH ER ET GA GH GM GN GQ GW KE LR LS MG ML MU MW MZ "
        "NA NE NG RE RW SC SH SL SN SS ST SZ TD TG TZ UG YT ZA ZM ZW"
    ),
    "arab-states": "AE BH DJ DZ EG IQ JO KM KW LB LY MA MR OM PS QA SA SD SO SY TN YE",
    "asia-pacific": (
        "AF AS AU BD BN BT CC CK CN CX FJ FM GU HK ID IN IO IR JP KH KI KP KR LA LK MH MM MN MO "
        "MP MV MY NC NF NP NR NU NZ PF PG PH PK PN PW SB SG TH TK TL TO TV TW UM VN VU WF WS"
    ),
    "europe-north-america": (
        "AD AL AM AT AX AZ BA BE BG BY CA CH CY CZ DE DK EE ES FI FO FR GB GE GG GI GL GR HR HU "
        "IE IL IM IS IT JE KG KZ LI LT LU LV MC MD ME MK MT NL NO PL PM PT RO RS RU SE SI SJ SK "
        "SM TJ TM TR UA US UZ VA"
    ),
    "latin-america-caribbean": (
        "AG AI AR AW BB BL BM BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GF GP GS GT GY HN HT "
        "JM KN KY LC MF MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"
    ),
}

COUNTRY_REGION: dict[str, str] = {
    code: slug for slug, codes in REGION_COUNTRIES.items() for code in codes.split()
}


def region_slug_for_country(country_code: str) -> str | None:
    """The slug of the region a country belongs to, or None when it has none."""
    return COUNTRY_REGION.get((country_code or "").upper())
