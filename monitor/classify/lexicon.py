"""Multilingual topic vocabulary (en/es/fr/pt, some sq/hr/de/it) as data, compiled once to regexes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from monitor.classify.alternation import CuePattern, compile_cues

# Fragments are regexes over folded text (lower case, no accents); each is matched as whole words.

# Phrases that on their own almost always mean removal to a country that is not the person's own.
THIRD_COUNTRY: tuple[str, ...] = (
    r"third[- ]?countr(?:y|ies)[- ]nationals?", r"tcns?", r"third[- ]party (?:nationals?|countr(?:y|ies))",
    r"third[- ]countr(?:y|ies)(?: \w+)? (?:deport\w*|removals?|transfers?|flights?|migrants|deportees|"
    r"program\w*|agreements?|deals?)",
    r"(?:deport\w*|remov\w*|sen[dt]\w*|expel\w*|transfer\w*|flown|relocat\w*) (?:\w+ ){0,3}to (?:a )?third "
    r"countr(?:y|ies)",
    r"(?:countr(?:y|ies)|nations?) (?:that is |that are )?(?:not|other than) their (?:own|homeland|home)",
    r"other than their (?:own|home countr\w*|countr\w* of (?:origin|citizenship))",
    r"not their (?:own )?countr(?:y|ies) of (?:origin|citizenship)",
    r"(?:no|without) (?:ties|connections?) to",
    r"(?:whose|their) (?:home )?countr(?:y|ies) (?:(?:have|has|had) )?(?:refused?|won'?t|will not|would not|"
    r"declined?) (?:to )?(?:take|accept)", r"refused to take (?:them|him|her) back",
    r"(?:of|from) other (?:nationalities|countries)", r"(?:other|different|various) nationalities",
    r"not (?:originally )?from (?:there|the country|\w+ itself)",
    r"who are not (?:\w+ )?(?:citizens|nationals)",
    r"non[- ](?:mexican|ghanaian|kosovar|rwandan|ugandan|swazi|cameroonian|"
    r"costa rican|panamanian|salvadoran|honduran|guatemalan|palauan|african|caribbean|caricom)s?",
    r"deportees? (?:from|of) (?:other|third|various|several) (?:countries|nations|nationalities)",
    r"(?:migrants|people|deportees|men|women) from (?:other|third|several|various) countries",
    # es
    r"(?:nacionales|ciudadanos|personas|migrantes|deportados|extranjeros) (?:\w+ )?de terceros? pais\w*",
    r"(?:de )?otras nacionalidades", r"extracontinentales",
    r"(?:deport\w*|expuls\w*|envi\w*|traslad\w*|remov\w*|transfer\w*) (?:[\w-]+ ){0,3}(?:a|para|hacia|vers|"
    r"em|to) "
    r"(?:un |uno |unos |des |os |uns )?(?:terceros? pais\w*|paises terceiros|pais terceiro|pays tiers|"
    r"terceiros? pais\w*)",
    r"(?:un |a )?pais(?:es)? (?:distintos? (?:del|de los) suyos?|que no (?:es|son) (?:el|los) suyos?)",
    r"paises que nao sao (?:os )?seus", r"pais que nao e o seu",
    r"pays qui (?:ne sont|n'est) pas (?:le|les) leurs?",
    r"(?:un )?pays autre que le leur", r"(?:asylum seekers|solicitantes de asilo|demandeurs d'asile|"
    r"requerentes de asilo) (?:from|de|des) (?:third|terceros|pays tiers|paises terceiros|terceiros)\w*",
    r"no son (?:nacionales|ciudadanos|originarios)", r"personas extranjeras deportadas",
    r"(?:foreigners|foreign nationals|extranjeros|etrangers|estrangeiros) (?:deported|expelled|removed|sent|"
    r"deportad\w*|expulsad\w*|enviad\w*|expulses|envoyes|deportes)",
    r"(?:deportados|expulsados|deportees|expulses) (?:extranjeros|estrangeiros|etrangers|foreign)",
    r"foreign deportees",
    # Official wording: "nationals of third countries", "nacionales de terceros paises".
    r"(?:nationals|citizens|persons|individuals|people|migrants) (?:of|from) (?:third|other) countries",
    r"(?:nacionales|ciudadanos|personas|migrantes) de (?:terceros|otros) paises",
    r"(?:of|de) (?:any|cualquier|qualquer|toute|n'importe quelle) nationali\w*",
    # fr
    r"ressortissants? (?:de |des )?pays tiers", r"d'?autres nationalites",
    r"(?:expuls\w*|renvo\w*) (?:\w+ ){0,2}vers (?:un|des) pays tiers",
    r"qui ne sont pas (?:originaires|ressortissants|citoyens)",
    # pt
    r"outras nacionalidades", r"(?:cidadaos|nacionais|migrantes) de (?:outros|terceiros) paises",
    r"(?:migrantes|deportados|cidadaos) de paises terceiros",
    # sq, hr/sr, de, it
    r"(?:shtetas|shtetasit) (?:e |te )?paleve te treta", r"trecih (?:zemalja|strana|drzava)",
    r"cittadini di paesi terzi", r"drittstaatsangehorige\w*", r"(?:menschen|migranten|personen) aus "
    r"drittstaaten",
    r"(?:di )?altre nazionalita", r"(?:migranti|persone|cittadini) di (?:altri|paesi) (?:paesi|terzi)",
    r"nicht aus (?:dem )?(?:\w+ )?stammen",
)

# "Third country" wording that is also used for EU law, the Canada-U.S. pact or other states' schemes.
THIRD_COUNTRY_WEAK: tuple[str, ...] = (
    r"third[- ]countr(?:y|ies)", r"non[- ](?:citizens|nationals)", r"tercer pais(?: seguro)?",
    r"terceros paises",
    r"pays tiers(?: sur)?", r"(?:paises|pais) terceiros?", r"terceiros? pais(?:es)?(?: seguros?)?",
    r"paleve te treta", r"vendeve te treta", r"drittstaat\w*", r"drittland\w*", r"paesi terzi",
    r"paese terzo",
    r"treca (?:zemlja|drzava)", r"trecu (?:zemlju|drzavu)",
)

# Words about removal or reception of migrants; ambiguous alone (most deportation news is ordinary returns).
DEPORTATION: tuple[str, ...] = (
    r"deport\w*", r"removals?", r"removed from", r"expel\w*", r"expuls\w*", r"expulsad\w*", r"expulsos?",
    r"asylum[- ]seekers?", r"solicitantes de asilo", r"demandeurs d'asile", r"requerentes de asilo",
    r"migrants?", r"migrantes?", r"immigrants?", r"inmigrantes?", r"imigrantes?", r"relocat\w*",
    r"reubica\w*", r"relocaca\w*", r"reloca\w*", r"renvoy\w*", r"renvois?", r"te deportuar\w*",
    r"te depertuar\w*",
    r"deportirani\w*", r"deportovan\w*", r"abschieb\w*", r"abgeschob\w*", r"rimpatri\w*", r"migranti",
    r"migranten", r"asylum", r"asilo", r"asile", r"asyl\w*", r"deportier\w*", r"ausgewiesen\w*",
    r"deportat\w*", r"migration", r"migraci\w*", r"migratoire",
    r"migratori[oa]s?", r"migracao", r"espuls\w*", r"abrego garcia",
    r"(?:sent|flown|removed|expelled|transferred|shipped) (?:[\w-]+ )?by (?:the )?(?:u\.?s|united states|washington|"
    r"trump\w*|ice|dhs)", r"(?:enviad|mandad|trasladad)[oa]s (?:por|pelos?) (?:los |el |o |os )?(?:ee\.? ?uu|"
    r"estados unidos|washington|trump|eua)", r"envoyes par (?:les etats-unis|washington|l'administration)",
    # People who "came from the United States" to a third country.
    r"(?:venus|arrives|procedentes|llegados|vindos|chegados) (?:des|de|dos|de los) (?:etats-unis|estados unidos|"
    r"eua|ee\.? ?uu)",
)

# U.S. immigration enforcement's own charter flights ("second ICE flight", "un vuelo de ICE"): both a U.S.
# actor and a removal.
ICE_FLIGHT: tuple[str, ...] = (
    r"ice (?:flights?|charters?|planes?|aircraft|deportation flights?)",
    r"(?:vuelos?|vols?|voos?) (?:de |del |da |do )?(?:l')?ice",
)

# "Safe third country" deals: U.S. ones are positives, Canada's and the EU's are not.
SAFE_THIRD: tuple[str, ...] = (
    r"safe third countr(?:y|ies)(?: agreements?)?", r"(?:acuerdos?|mecanismo) de tercer pais seguro",
    r"tercer pais seguro", r"pays tiers sur", r"(?:acordo de )?terceiro pais seguro",
    r"asylum cooperative agreements?",
    r"acuerdos? de cooperacion (?:en materia de|de) asilo", r"pais seguro",
    # The official name of such an agreement in some governments' statements.
    r"examination of protection (?:requests|claims)",
)

# Someone agreeing to take in deportees: "accept migrants deported by the U.S.", "recibir a deportados".
RECEPTION: tuple[str, ...] = (
    r"under (?:a |an |the |its |their )?(?:new |u\.?s\.? |us )?(?:deals?|pacts?|agreements?|arrangements?|accords?)",
    r"(?:en virtud del|bajo el|dans le cadre de l'|au titre de l'|ao abrigo do|no ambito do) ?(?:acuerdo|accord|"
    r"acordo|convenio|pacto)",
    r"(?:deport\w*|deportees?|migrants?|migration|asylum|expulsions?|third[- ]country|removal) "
    r"(?:deals?|agreements?|pacts?|arrangements?|talks|accords?)",
    r"(?:accords?|acuerdos?|acordos?|pactes?|pactos?|entente) (?:d'|de |sobre |sur |para |migratori\w* )(?:l'|la )?"
    r"(?:expuls\w*|deport\w*|migra\w*|asil\w*|asile|accueil|recepcion|acogida)",
    r"(?:accept|receiv|take|taking|took|host|welcom|acept|recib|acog|accueill|recev|aceit|receb|acolh|"
    r"pranoj)\w* "
    r"(?:in |up to |as many as |hasta |jusqu'a |ate |a |des |os |las |los |les )?(?:[\w-]+ ){0,3}"
    r"(?:deportees|deported|deportad\w*|expulses|expulsad\w*|third|terceros|migrants? deported|"
    r"migrantes deportad\w*|migrants expulses|te deportuar\w*)",
    # "individuals received from the United States", "personas enviadas por Estados Unidos"
    r"(?:individuals|people|persons|men|women|nationals|migrants|migrantes|personas|personnes|pessoas) "
    r"(?:received|recibid[oa]s|recu(?:e?s)?|recebid[oa]s|sent|enviad[oa]s|envoye(?:e?s)?) (?:from|by|desde|de|por|par|"
    r"pelos) (?:the |les |los )?(?:united states|u\.?s\.?|us|washington|estados unidos|etats-unis|eua|ee\.? ?uu\.?)\b",
)

# The sending state is the United States (actors, agencies, programmes).
US_ACTORS: tuple[str, ...] = (
    r"trump", r"rubio", r"noem", r"landau", r"mclaughlin", r"homan", r"todd lyons", r"white house",
    r"state department", r"department of state", r"homeland security", r"dhs", r"ice", r"immigration and "
    r"customs enforcement", r"departamento de estado", r"casa blanca", r"departement d'etat",
    r"maison blanche", r"casa branca", r"administracion trump", r"supreme court", r"federal judge",
    r"juez federal", r"jueza federal", r"juge federal", r"juiz federal", r"corte suprema", r"cour supreme",
    r"suprema corte", r"supremo", r"murphy", r"boasberg", r"xinis", r"chutkan", r"d\.v\.d\.",
    r"administration trump", r"administracao trump", r"federal appeals court", r"(?:corte|tribunal) federal",
    r"corte federal de apelaciones", r"cour d'appel federale", r"federal register", r"registro federal",
)

# Hard-negative patterns, by the type slugs of the labelling conventions.
NEGATIVE: dict[str, tuple[str, ...]] = {
    "own_nationals": (
        r"connacionales?", r"compatriot\w*", r"fellow (?:citizens|nationals)", r"mexico te abraza",
        r"repatriacion digna", r"vuelta a la patria", r"retornad[oa]s", r"returnees",
        r"(?:own|their) (?:citizens|nationals) (?:back|home)", r"(?:citizens|nationals) back home",
        r"take back (?:its|their) (?:own )?(?:citizens|nationals)",
        r"(?:takes?|took|taking) back", r"(?:of )?(?:its|their) own (?:citizens|nationals)",
        r"of its (?:citizens|nationals)", r"welcom\w* (?:\w+ )?(?:home|back)",
        r"\d[\d,.]* (?:citizens|ciudadanos|cidadaos|citoyens)(?! (?:of|from|de|du|des|da|do)\b)",
        r"(?:vols?|vuelos?|voos?|flights?) (?:de|con|com|with|of|carrying) (?:\d[\d,.]* )?(?:rapatries|"
        r"repatriados|repatriates|retornados|returnees)",
    ),
    "transit_repatriation": (
        r"stop(?:s|ped)?[- ]?over(?! (?:for|country|nation|point for|destination)\b)",
        r"layover", r"(?:hacen|hizo|hace|fait|faz|fazem|fizeram) (?:una |uma )?escala",
        r"on (?:the|their) way (?:home |back )?to", r"en route (?:home|back)", r"refuel\w*", r"tarmac stops?",
        r"escala tecnica",
    ),
    "other_sender": (
        r"home office", r"sunak", r"starmer", r"meloni", r"frederiksen", r"albanese", r"tor(?:y|ies)",
        r"conservative (?:party|leader|government)", r"reform uk",
        r"(?:uk|british|britain's|italy's|italian|danish|australian|dutch|german|canadian) "
        r"(?:government|plan|scheme|deal|authorities|ministry|migration|asylum|deportation)",
        r"rwanda (?:bill|plan|scheme|act)", r"safety of rwanda", r"offshore processing",
        r"regional processing", r"prison (?:cells|places|space)", r"foreign (?:prisoners|inmates)",
    ),
    "canada_stca": (r"roxham", r"irregular (?:crossings|entries) into canada", r"canada border services",
                    r"crossing (?:into|to) canada", r"canadian border"),
    "eu_return_hubs": (r"return hubs?", r"european commission", r"eu member states", r"european parliament",
                       r"bruxelles", r"bruselas", r"bruxelas", r"(?:liste|lista) (?:europeenne|europea|europeia)",
                       r"(?:safe countries of origin|pays d'origine surs|paises de origen seguros|"
                       r"paises de origem seguros)",
                       r"brussels", r"hubs? de retour", r"centros? de retorno", r"pacto (?:europeu|europeo)",
                       r"migration pact", r"eu (?:asylum|migration|return)"),
    "guantanamo": (r"guantanamo",),
    "refugee_admissions": (r"refugee (?:admissions?|cap|ceiling|program\w*)", r"afrikaners?",
                           r"resettled? in the (?:u\.?s\.?|united states)", r"admitted (?:as refugees|into)"),
    "interior_enforcement": (r"raids?", r"redadas?", r"arrests? (?:in|across|at)", r"worksite",
                             r"detained (?:at|in) (?:a |an )?(?:home|courthouse|school|church|store|farm)",
                             r"ice agents", r"sanctuary cit\w*", r"national guard"),
    "remain_in_mexico": (r"remain in mexico", r"quedate en mexico", r"migrant protection protocols?",
                         r"fique no mexico", r"permanec\w* en mexico", r"rester au mexique", r"reste au "
                         r"mexique"),
    "travel_ban": (r"travel bans?", r"travel restrictions", r"entry ban", r"visa (?:bonds?|restrictions|ban)",
                   r"proclama\w*", r"veto migratorio", r"restricciones (?:de viaje|parciales|de entrada)",
                   r"restricoes (?:de viagem|parciais)", r"(?:prohibe|proibe|interdit) (?:la |a |l')?entr\w*",
                   r"restrictions de (?:voyage|visas?)", r"interdiction d'entree"),
    # "Third-country deportations, explained", "Explained: ...", not "the minister explained".
    "explainer": (r"explainer", r"(?<=, )explained", r"explained:", r"what happened to", r"what became of",
                  r"(?:months|years) on\b", r"que (?:fue|ha sido) de", r"ce que sont devenus",
                  r"o que (?:aconteceu|foi feito) (?:com|de)", r"what (?:we|you need to) know", r"a "
        r"look back",
                  r"one year (?:later|on)", r"how (?:it|the \w+) works", r"how [\w ]{1,30} became",
                  r"claves para entender", r"guia",
                  r"lo que (?:hay que|debes|se) sab\w*", r"comment fonctionne", r"decryptage",
                  r"ce qu'il faut savoir", r"entenda", r"o que se sabe", r"como funciona", r"retrospective",
                  r"timeline of", r"cronologia", r"chronologie", r"o que (?:sao|e)",
                  r"que (?:son|es) (?:las|los|el|la)",
                  r"en \d+ (?:claves|puntos|points)", r"em \d+ pontos", r"in \d+ (?:points|charts)",
                  r"guide to",
                  r"(?:este|esta|cette|this) (?:guia|guide)", r"qu'est-ce que"),
    "abrego_criminal_case": (r"human smuggling", r"smuggling (?:case|charges?|trial)", r"criminal (?:case|"
        r"trial)",
                             r"tennessee"),
    "origin_refuses": (r"lhotshampa", r"bhutan\w*", r"butan\w*", r"bhoutan\w*", r"stateless", r"apatridas?",
                       r"country of (?:birth|origin) refus\w*"),
}

# Sentence cues that a country is mentioned only as background (earlier cases, comparisons).
BACKGROUND: tuple[str, ...] = (
    r"others? that (?:have|has) (?:received|accepted|taken|agreed)",
    r"other countries (?:that|which|such|like)",
    r"previously", r"earlier this year", r"last year", r"in the past",
    r"similar (?:deals?|agreements?|arrangements?)",
    r"such as", r"like (?:el salvador|costa rica|panama|rwanda|eswatini|south sudan|ghana|uganda|kosovo)",
    r"joins", r"following (?:deals?|agreements?) with", r"also (?:received|accepted|taken|agreed)",
    r"otros paises", r"como (?:el salvador|costa rica|panama|ruanda|uganda)", r"autres pays",
    r"outros paises",
    r"comme (?:le|l')", r"al igual que", r"a l'instar", r"a exemplo", r"tambem", r"tambien",
    r"(?:in|en|em|back in|since) (?:19\d\d|20[01]\d|202[0-4])", r"first trump administration",
)


class Hit(NamedTuple):
    """One cue found in the folded text."""

    category: str
    phrase: str
    start: int
    end: int


def compile_groups(groups: Mapping[str, Sequence[str]]) -> CuePattern:
    """One pattern finding every category's cues in a single pass (see alternation.py).

    At one position the first category listed wins, and within it the longest fragment.
    """
    by_length = {name: sorted(fragments, key=len, reverse=True) for name, fragments in groups.items()}
    return compile_cues(by_length, before=r"(?<![a-z0-9])", after=r"(?![a-z0-9])")


def scan(pattern: CuePattern, folded: str, start: int = 0, end: int | None = None) -> list[Hit]:
    """Every cue the compiled pattern finds in folded text, in order."""
    stop = len(folded) if end is None else end
    return [Hit(pattern.category_at(folded, m.start(), stop), m.group(), m.start(), m.end())
            for m in pattern.any.finditer(folded, start, stop)]


TOPIC_PATTERN = compile_groups({
    "third_country": THIRD_COUNTRY,
    "safe_third": SAFE_THIRD,
    "third_country_weak": THIRD_COUNTRY_WEAK,
    "ice_flight": ICE_FLIGHT,
    "us_actor": US_ACTORS,
    **{f"neg_{k}": v for k, v in NEGATIVE.items()},
    "deportation": DEPORTATION,
})
RECEPTION_PATTERN = compile_groups({"reception": RECEPTION})
BACKGROUND_PATTERN = compile_groups({"background": BACKGROUND})
