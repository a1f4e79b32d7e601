"""Gazetteer data: capital cities (with their Spanish, French and Portuguese spellings) per country code.

A dateline or a headline often names the capital instead of the country ("Seven deportees land in
Luanda", "Llegan a Yuba"). Capitals that are ordinary words or common personal names in one of the
languages (Male, Praia, Victoria, Sofia, Santiago, Lima, Moroni) are left out on purpose.
"""

from __future__ import annotations

# Detention and reception sites named in coverage instead of the country.
DETENTION_SITES: dict[str, tuple[str, ...]] = {
    "SV": ("Terrorism Confinement Center", "Centro de Confinamiento del Terrorismo", "Centre de confinement du "
           "terrorisme"),
    "CR": ("Atencion Temporal para Migrantes", "Temporary Migrant Care Center", "Sala IV"),
    "PA": ("Estacion de Recepcion Migratoria", "Hotel Decapolis"),
    "DJ": ("Lemonnier",),
    "GH": ("Bundase", "Dema camp"),
    "SZ": ("His Majesty's Correctional Services", "Matsapha Correctional"),
}

CAPITALS: dict[str, tuple[str, ...]] = {
    # Africa
    "DZ": ("Argel", "Alger"), "AO": ("Luanda",), "BJ": ("Porto Novo",), "BW": ("Gaborone",),
    "BF": ("Uagadugu", "Ouagadougou"), "BI": ("Bujumbura", "Gitega"), "CV": ("Cidade da Praia",),
    "CM": ("Yaunde", "Iaunde", "Yaounde"), "CF": ("Bangui",), "TD": ("N'Djamena", "Ndjamena", "Yamena"),
    "CD": ("Kinsasa", "Kinshasa"), "CG": ("Brazzaville",),
    "CI": ("Yamoussoukro", "Abiyan", "Abidjan"), "DJ": ("Djibouti City", "Ciudad de Yibuti"),
    "EG": ("El Cairo", "Le Caire", "O Cairo"), "GQ": ("Malabo",), "ER": ("Asmara",),
    "SZ": ("Mbabane", "Lobamba"), "ET": ("Addis Ababa", "Adis Abeba", "Addis-Abeba"),
    "GA": ("Libreville",), "GM": ("Banjul",), "GH": ("Acra", "Accra"), "GN": ("Conakri", "Conakry"),
    "GW": ("Bissau", "Bisau"), "KE": ("Nairobi",), "LS": ("Maseru",), "LR": ("Monrovia",),
    "LY": ("Tripoli", "Tripolis"), "MG": ("Antananarivo",), "MW": ("Lilongwe",),
    "ML": ("Bamako",), "MR": ("Nouakchott", "Nuakchot", "Nuakchott"), "MU": ("Port Louis",),
    "MA": ("Rabat",), "MZ": ("Maputo",), "NA": ("Windhoek",), "NE": ("Niamey",), "NG": ("Abuja",),
    "RW": ("Kigali",), "ST": ("Sao Tome",), "SN": ("Dakar", "Dacar"), "SL": ("Freetown",),
    "SO": ("Mogadishu", "Mogadiscio", "Mogadicio"), "ZA": ("Pretoria", "Cape Town"),
    "SS": ("Juba", "Yuba"), "SD": ("Khartoum", "Jartum", "Cartum"), "TZ": ("Dodoma", "Dar es Salaam"),
    "TG": ("Lome",), "TN": ("Tunis", "Tunez"), "UG": ("Kampala", "Entebbe"), "ZM": ("Lusaka",),
    "ZW": ("Harare",),
    # Americas
    "AG": ("St. John's, Antigua",), "BS": ("Nassau",), "BB": ("Bridgetown",), "BZ": ("Belmopan",),
    "BO": ("La Paz", "Sucre"), "BR": ("Brasilia",), "CL": ("Santiago de Chile",), "CO": ("Bogota",),
    "CR": ("San Jose",), "CU": ("La Habana", "Havana", "Habana"), "DM": ("Roseau",),
    "DO": ("Santo Domingo",), "EC": ("Quito",), "SV": ("San Salvador",), "GD": ("St. George's",),
    "GT": ("Ciudad de Guatemala",), "GY": ("Georgetown, Guyana",), "HT": ("Port-au-Prince", "Puerto Principe"),
    "HN": ("Tegucigalpa",), "JM": ("Kingston, Jamaica",), "NI": ("Managua",), "PA": ("Ciudad de Panama",),
    "PY": ("Asuncion",), "PE": ("Lima, Peru",), "KN": ("Basseterre",), "LC": ("Castries",),
    "VC": ("Kingstown",), "SR": ("Paramaribo",), "TT": ("Port of Spain",), "UY": ("Montevideo",),
    "VE": ("Caracas",), "AR": ("Buenos Aires",), "CA": ("Ottawa",),
    # Asia and the Pacific
    "AF": ("Kabul", "Cabul"), "AM": ("Yerevan", "Erevan", "Ereva"), "AZ": ("Baku", "Bakou"),
    "BD": ("Dhaka", "Daca"), "BT": ("Thimphu",), "KH": ("Phnom Penh",), "CN": ("Beijing", "Pekin", "Pequim"),
    "GE": ("Tbilisi", "Tiflis"), "IN": ("New Delhi", "Nueva Delhi"), "ID": ("Jakarta", "Yakarta"),
    "IR": ("Tehran", "Teheran", "Teera"), "IQ": ("Baghdad", "Bagdad", "Bagda"), "JP": ("Tokyo", "Tokio"),
    "JO": ("Amman",), "KZ": ("Astana",), "KG": ("Bishkek", "Biskek", "Bichkek"), "LA": ("Vientiane",),
    "LB": ("Beirut", "Beyrouth"), "MN": ("Ulaanbaatar", "Ulan Bator"), "MM": ("Naypyidaw",),
    "NP": ("Kathmandu", "Katmandu"), "KP": ("Pyongyang",), "PK": ("Islamabad",), "PH": ("Manila", "Manille"),
    "SA": ("Riyadh", "Riad"), "KR": ("Seoul", "Seul"), "LK": ("Colombo",), "SY": ("Damascus", "Damasco", "Damas"),
    "TJ": ("Dushanbe", "Duchambe", "Douchanbe"), "TH": ("Bangkok",), "TM": ("Ashgabat", "Asjabad"),
    "UZ": ("Tashkent", "Taskent", "Tachkent"), "VN": ("Hanoi",), "YE": ("Sanaa",), "PW": ("Ngerulmud",),
    "FJ": ("Suva",), "PG": ("Port Moresby",), "SB": ("Honiara",), "VU": ("Port Vila",), "WS": ("Apia",),
    "TO": ("Nuku'alofa",), "FM": ("Palikir",), "MH": ("Majuro",), "KI": ("Tarawa",), "NR": ("Yaren",),
    "TV": ("Funafuti",),
    # Europe: the Balkans and the east, where deportees or other states' schemes are sent
    "XK": ("Pristina", "Prishtina"), "AL": ("Tirana", "Tirane"), "RS": ("Belgrade", "Belgrado", "Beograd"),
    "BA": ("Sarajevo",), "MK": ("Skopje",), "ME": ("Podgorica",), "MD": ("Chisinau",),
    "UA": ("Kyiv", "Kiev"), "BY": ("Minsk",), "RU": ("Moscow", "Moscu", "Moscou"),
    # Other states that run their own removal schemes (their capital stands for the government)
    "GB": ("London", "Londres", "Downing Street", "Westminster"), "DK": ("Copenhagen", "Copenhague"),
    "NL": ("The Hague", "La Haya", "La Haye", "Haia"), "AU": ("Canberra",), "DE": ("Berlin", "Berlim"),
}
