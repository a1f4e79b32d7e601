"""Stage cue vocabulary per stage and language, in three strengths, compiled once."""

from __future__ import annotations

from monitor.classify.lexicon import compile_groups

# Category names end in "_s" (strong, weight 2), nothing (1) or "_w" (weak, 0.45). Strong cues come
# first: at one position the first matching group wins. "arrival" words are split into first and
# further arrivals by the ordinal markers ("first", "further") around them.
# Numbers as outlets write them in a cap ("up to ten people", "hasta cincuenta migrantes").
_NUMBER_WORD_TEXT = """
    two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty sixty
    seventy eighty ninety dos tres cuatro cinco seis siete ocho nueve diez doce quince
    veinte treinta cuarenta cincuenta cien ciento deux trois quatre cinq sept huit neuf dix douze quinze
    vingt trente quarante cinquante cent dois duas quatro sete oito nove dez doze quinze vinte trinta
    quarenta cinquenta cem
"""
_NUMBER_WORDS = r"(?:\d+|a hundred|one hundred|" + "|".join(_NUMBER_WORD_TEXT.split()) + ")"

_ANY_WORD = r"[abcdefghijklmnopqrstuvwxyz0123456789]\w*+"

# A deal's conditions are no refusal: "will not accept convicts or unaccompanied children".
_NOT_CONDITIONS = (r"(?! (?:any )?(?:convicts?|criminals?|children|minors|unaccompanied|people with|individuals with|"
                   r"those with|anyone with)\b)")
STAGE_CUES: dict[str, tuple[str, ...]] = {
    # The deportees' own countries refusing them is why they were sent elsewhere, not a refusal by the
    # receiving state: matched first so that its words count for no stage.
    "origin": (
        r"(?:home|own|origin|native|their|whose|respective) countr(?:y|ies)(?: of origin)? (?:[\w'-]+ ){0,4}?"
        r"(?:refus\w*|declin\w*|would not|will not|won'?t|did not|do not|don'?t|had not) (?:to )?"
        r"(?:accept|take|receive|admit)\w*",
        r"pais(?:es)? de origen (?:[\w-]+ ){0,3}?(?:se )?(?:negaron|niegan|negaba\w*|rechaz\w*|no (?:aceptan|aceptaron|"
        r"quisieron|quieren|recib\w*))",
        r"pays d'origine (?:[\w'-]+ ){0,3}?(?:refus\w*|ont refuse|n'ont pas|ne veulent pas)",
        r"pais(?:es)? de origem (?:[\w-]+ ){0,3}?(?:recus\w*|se recusaram|nao (?:aceitaram|aceitam|quiseram))",
        # Deportees refusing to go back home is not a government's refusal.
        r"(?:refus\w*|se (?:negaron|niegan|recusa\w*)) (?:to |de |a |a se )?(?:return|go (?:back|home)|be repatriated|"
        r"rentrer|retourner|regresar|volver|retornar|voltar|regressar)",
    ),
    "criticism_s": (
        r"(?:demand\w*|call\w* for|calling for|urg\w*|push\w* (?:to|for)|pide\w*|exig\w*|reclam\w*|ped\w*|"
        r"appel\w* a) (?:[\w-]+ ){0,3}(?:suspen\w*|halt\w*|end\w*|terminat\w*|cancel\w*|scrap\w*)",
        r"(?:(?:had|has|have|ha|a) )?(?:received|confirm\w*|recu|recibio|recebeu|reconnait avoir recu|paid|pago|"
        r"payment of|recebido|"
        r"recibido|admit\w*|admite|reconoce\w*|acknowledg\w*|receipt of|got|"
        r"gets|obtained|a touche|cobro) "
        r"(?:[\w$€£.,-]+ ){0,3}(?:million|millions|millones|milhoes)",
        r"(?:received|confirm\w*|paid|payment of|got|gets|receipt of|recibio|recebeu|recu) "
        r"(?:[\w.,-]+ ){0,2}[$€£][\d.,]+ ?(?:m|mn|million|bn|billion)\b",
        r"dumping ground", r"not a dumping", r"says? no to", r"(?:we|it) (?:will not|won'?t)(?= *$| *\n)",
        # What a government was given for taking deportees: a payment disclosure.
        r"(?:in exchange for|en echange de|a cambio de|em troca de) (?:[\w-]+ ){0,2}(?:accepting|taking|receiving|"
        r"hosting|accueillir|recevoir|recibir|aceptar|acoger|receber|aceitar|acolher)",
        # ...but not a deal's conditions ("will not accept convicts or unaccompanied children").
        r"(?:will not|won'?t|refus\w* to|declin\w* to|no) (?:accept|take|receive|sign)" + _NOT_CONDITIONS,
        r"no (?:firmara|aceptara|recibira)", r"ne (?:signera|acceptera|recevra) pas",
        r"no (?:volvera|vuelve) a (?:recibir|aceptar)", r"will no longer (?:accept|receive|take)",
        r"(?:won'?t|will not) (?:accept|receive|take) (?:any )?more", r"nao (?:vai )?voltar a (?:receber|aceitar)",
        r"ne (?:recevra|acceptera|accueillera) plus", r"n'accueillera plus",
        r"nao (?:vai )?(?:assinar|aceitar|receber|assinara|aceitara|recebera)",
        r"(?:se )?nieg\w* a (?:recibir|aceptar)", r"refuse\w* (?:d'accueillir|de recevoir)",
        r"recus\w* (?:a )?receber",
        r"(?:rules?|ruled|ruling) out (?:[\w-]+ ){0,3}(?:deal|agreement|pact|accord|signing|taking|accepting)",
        r"descart\w* (?:[\w-]+ ){0,3}(?:acuerdo|acordo|pacto|firmar|assinar|recibir|receber)",
        r"(?:exclut|ecarte) (?:[\w'-]+ ){0,3}(?:accord|de signer|d'accueillir)",
    ),
    "talks_s": (
        r"(?:intends?|intention|plans?|planning|wants?|threaten\w*|pretende\w*|planea\w*|envisage\w*|"
        r"pretend\w*|quiere|quieren|queria|quer|querem|veut|veulent|voulait) (?:[\w-]+ ){0,2}(?:to |de |a )?"
        r"(?:deport|send|remove|expel|enviar|deportar|expulser|expulsar|renvoyer|envoyer|mandar)\w*",
        r"names? (?:[\w-]+ ){0,4}(?:as|como|comme) (?:\w+ )?(?:destination|country of removal|destino|"
        r"pays de destination)",
        r"(?:asks?|asking|requests?|requested|pide|pidio|demande|pede|pediu) (?:[\w-]+ ){0,4}(?:to|a|de|"
        r"para) "
        r"(?:take|accept|receive|host|accueillir|recevoir|recibir|aceptar|receber|aceitar|acoger|acolher)",
        r"in (?:talks|discussions|negotiations)", r"early stages?", r"final stages?",
        r"finali[sz]ing", r"(?:ultiman?|ultimando|ultimaban|finalisent|finalizam|finalizando) (?:[\w-]+ ){0,3}"
        r"(?:acuerdo|pacto|accord|acordo|detalles|details|negociac\w*)",
        r"near(?:ing|s)? (?:a |an )?(?:[\w-]+ ){0,3}(?:deal|agreement|accord|completion)",
        r"close to (?:a |an )?(?:[\w-]+ ){0,3}(?:deal|agreement|accord)",
        r"(?:seek\w*|sought|looking for|search\w* for|buscar?|busca|cherche\w*|procura\w*) (?:[\w-]+ ){0,3}"
        r"(?:countries|nations|partners|governments|paises|pays|parceiros|socios)",
        r"no conclusion", r"nothing (?:has been )?agreed",
        r"(?:fase|etapa) final", r"stade precoce", r"derniere ligne droite", r"productive discussions",
        r"(?:fase|etapa) inicial",
        r"(?:asked|pressed|presses|pressing|pressure|urged|urges?|urging|approached|approaches|sollicit\w*|solicit\w*|presion\w*|"
        r"pression\w*|pressao) (?:[\w-]+ ){0,4}(?:to|pour|para|a) "
        r"(?:take|accept|receive|host|accueillir|recevoir|recibir|aceptar|receber|aceitar)",
        r"(?:seek\w*|sought|pursu\w*|buscar|busca|cherche\w*|negotiat\w*|discuss\w*|explor\w*|negoci\w*) "
        r"(?:[\w-]+ ){0,3}(?:deals?|agreements?|acuerdos?|accords?|acordos?|arrangements?)",
        r"(?:possible|potential|proposed|prospective|eventual|posible|possivel|eventuel|futur[eo]?) "
        r"(?:[\w-]+ ){0,2}(?:deals?|agreements?|acuerdos?|accords?|acordos?|arrangements?|transfers?)",
        r"no (?:deal|agreement|acuerdo|accord|acordo) (?:has been|was|had been|yet|todavia|aun|ainda)",
        r"not (?:yet )?(?:signed|agreed|concluded|finali[sz]ed)",
        r"(?:nenhum acordo|ningun acuerdo|aucun accord)(?: [\w'-]+){0,2} (?:assinado|firmado|signe|conclu\w*)",
        r"(?:nao|no) (?:se )?(?:foi|fue|ha sido|ha|tem sido) (?:assinado|firmado)", r"n'a pas (?:ete )?signe",
        r"(?:aun|todavia) no", r"pas encore",
        r"ainda nao", r"(?:is|are|was|were) considering", r"(?:estudia|analiza|evalua|examine|estuda)\w* "
        r"(?:la |el |une |a |o )?(?:solicitud|peticion|propuesta|demande|proposition|pedido|proposta)",
    ),
    "paused_s": (
        r"on hold", r"shelve\w*", r"put (?:the )?brakes", r"frena\w*", r"suspend\w*", r"suspen[cs]\w*",
        r"terminat\w*", r"prisoner (?:swap|exchange)", r"swap", r"canje",
        r"intercambio de (?:prisioneros|presos)",
        r"echange de prisonniers", r"troca de prisioneiros", r"returned all", r"pulled out", r"scrapped",
    ),
    "court_s": (
        r"(?:court|judge|juez|jueza|juge|juiz|tribunal|justice)\w* (?:[\w-]+ ){0,2}(?:halts?|stops?|suspend\w*|"
        r"pauses?|frena|freezes?|suspende|bloqu\w*)",
        r"(?:justice|tribunal) (?:est |a ete |e )?(?:saisie?|acionad[oa])", r"saisi\w* (?:la |de la )?justice",
        r"court challenge", r"legal challenge", r"lawsuits?", r"sued", r"sues?", r"class action",
        r"(?:attaqu|poursui|assign)\w* (?:[\w'-]+ ){0,4}en justice", r"porte\w* plainte", r"depos\w* (?:une )?plainte",
        r"poursuiv\w* (?:l'|le |la |les )?(?:administration|gouvernement|etat|etats-unis|dhs|ice)\b",
        r"(?:present|interpon)\w* (?:una )?demanda", r"(?:entr\w* com|ajuiz\w*) (?:uma )?(?:acao|processo)",
        r"(?:demandan|demandaron|processam|processaram|processa) (?:a |al |o |ao )?(?:gobierno|governo|"
        r"administracion|administracao|eeuu|eua|estados unidos|dhs|ice)",
        r"habeas corpus",
        r"injunctions?", r"ruled", r"ruling", r"unlawful", r"illegal", r"ilegal", r"contempt",
        r"sala constitucional", r"sala (?:iv|cuarta)",
        r"(?:ordena|ordeno|orders?|ordered|ordonne|manda) (?:[\w-]+ ){0,3}(?:liberar|release|libertar|liberer)\w*",
        r"recurso de habeas", r"fallo", r"a jug[eé]", r"statue", r"decid\w* que", r"declaro", r"anula\w*",
        r"set aside", r"blocks?", r"blocked", r"barra(?:m|ram|ou)?", r"bloqueia\w*", r"bloqueou", r"impede\w*",
        r"impediu", r"(?:el |o |le )?supremo", r"barred", r"bars",
        r"(?:judge|juez|jueza|juge|juiz\w*) "
        r"(?:[\w-]+ ){0,3}"
        r"(?:says?|said|rules?|ruled|orders?|ordered|finds?|found|warns?|warned|dice|dijo|ordena|ordeno|"
        r"estime|"
        r"diz|disse|affirme)", r"supreme court", r"corte suprema", r"suprema corte", r"cour supreme",
    ),
    "agreement_s": (
        r"(?:ha|hanno) accettato", r"bis zu \d+", r"fino a \d+", r"stimmt (?:[\w-]+ "
        r"){0,6}zu", r"unterzeichne\w*", r"accogliera",
        r"accettera", r"ricevera", r"firmato", r"firma(?:to)? (?:un )?accordo", r"erklart sich bereit",
        r"reach\w* (?:a |an )?(?:[\w-]+ )?(?:deal|agreement|accord|understanding|arrangement)",
        r"strikes? (?:a )?deal", r"struck (?:a )?deal",
        r"inks?", r"seals?", r"alcanz\w* (?:un )?acuerdo", r"conclu\w* (?:un )?accord", r"fecha\w* (?:um "
        r")?acordo",
        r"(?:cierra|cerro|sella|sello) (?:un )?acuerdo",
        r"agreed to (?:accept|receive|take|host)", r"agrees? to",
        r"agreeing to (?:accept|receive|take|host)", r"(?:has|have) agreed", r"signed",
        r"signs? (?:[\w-]+ ){0,3}(?:deal|agreement|accord|pact|memorandum|mou|arrangement|notes?)",
        r"memorand\w*", r"mous?", r"diplomatic notes", r"federal register", r"registro federal",
        r"will (?:accept|receive|take|host|join)", r"(?:to|will) (?:temporarily )?host",
        r"(?:^|\n)(?:(?!(?:denie[sd]|deny\w*|reject\w*|refus\w*|declin\w*|says?|said|agree\w*|plans?|wants?|asks?|"
        r"asked|urg\w*|press\w*|seeks?|sought|suspend\w*|halts?|weighs?|mulls?)\b)[\w'-]+ ){1,3}to "
        r"(?:temporarily )?(?:receive|accept|take|host)",
        r"to take (?:in )?up to",
        r"(?:accept|receive|take|host|acoger|recibir|aceptar|accueillir|recevoir|receber|aceitar|acolher)\w* "
        r"(?:in )?(?:up to|as many as|hasta|jusqu'a|ate) \d+", r"up to \d+", r"hasta \d+", r"jusqu'a \d+",
        r"ate \d+",
        r"(?:up to|as many as|hasta|jusqu'a) " + _NUMBER_WORDS + r"(?= (?:[\w'-]+ ){0,2}(?:people|persons|migrants|"
        r"deportees|nationals|third|individuals|personas|migrantes|deportados|personnes|expulses|ressortissants|"
        r"pessoas|nacionais))",
        r"aceptara", r"recibira", r"acogera", r"accueillera", r"acceptera", r"recevra", r"aceitara",
        r"recebera",
        r"vai (?:acolher|receber)", r"va (?:accueillir|recevoir)", r"accepte d'accueillir",
        r"accepte de recevoir",
        r"acepta recibir", r"aceita receber", r"acept(?:o|aron) (?:recibir|acoger)",
        r"aceit(?:ou|aram) (?:receber|acolher)",
        r"a accepte (?:d'accueillir|de recevoir)", r"(?:se )?(?:ofrece|oferece)", r"offers? to",
r"propose\w* de",
        r"confirm\w* (?:[\w'-]+ ){0,3}(?:deal|agreement|arrangement|acuerdo|accord|acordo)", r"se suma",
        r"se sumara a", r"se une a", r"(?:va |vont )?rejoindre", r"rejoint", r"(?:vai )?aderir a", r"adere a",
        r"joins? (?:the )?"
        r"(?:us|trump)", r"pranon", r"pranoi", r"do te pranoje", r"ce primiti",
        r"aufzunehmen",
        r"firmo", r"firmaron", r"assinou", r"assinaram", r"a signe", r"ont signe", r"willingness",
    ),
    "arrival_s": (
        r"erste[rn]? (?:abschiebeflug|gruppe|flug)",
        r"erste[nr]? (?:[\w-]+ ){0,3}(?:abgeschobene|migranten|deportierte)", r"prim[oi] (?:volo|gruppo|migranti)",
        r"first (?:[\w.-]+ ){0,2}(?:flight|group|batch|deportees|arrivals?|transfers?|plane|migrants|people|"
        r"deportation flight|third-country)",
        r"(?:has|have|had) (?:begun|started) (?:accepting|receiving|taking)",
        r"begins? (?:accepting|receiving|taking)",
        r"began (?:accepting|receiving|taking)", r"started (?:accepting|receiving|taking)",
        r"starts? (?:accepting|receiving|taking)", r"(?:begins?|began|starts?|started) to (?:accept|receive|take)",
        r"(?:comienza|empieza|comenzo|empezo) a (?:recibir|aceptar|acoger)",
        r"(?:comeca|comecou) a (?:receber|aceitar|acolher)",
        r"(?:commence|a commence) a (?:accueillir|recevoir)",
        r"(?:accepted|received|took in|recibio|acepto|recebeu|aceitou|a accueilli|a recu|accueille|recoit|"
        r"recibe|"
        r"recebe|receives|welcomes|takes in|acoge) "
        # "received about 120", "a recu pres de 300", "recebe cerca de 120": an approximate number
        r"(?:(?:about|around|some|nearly|almost|over|more than|roughly|cerca de|unos|unas|casi|mas de|alrededor de|"
        r"pres de|environ|plus de|quase|mais de|perto de) )?(?:\d+|[a-z]+teen|five|seven|eight|nine|ten|six|four|"
        r"three|two|"
        r"dozens|cinco|siete|ocho|nueve|diez|cinq|sept|huit|neuf|dix|sete|oito|nove|dez)",
        r"ka filluar", r"kane ardhur", r"a commence a accueillir", r"comenzo a recibir", r"comecou a receber",
        r"(?:ha|han|has|have|had) (?:recibido|received)", r"(?:a|ont) recu", r"tem recebido",
    ),
    "further": (
        r"zweite[rn]? (?:gruppe|flug|abschiebeflug)", r"weitere (?:migranten|abgeschobene)",
        r"secondo (?:gruppo|volo)", r"altri \d+",
        r"second (?:[\w.-]+ ){0,2}(?:group|flight|batch|wave|plane|round|deportation flight)",
        r"another (?:[\w.-]+ ){0,2}(?:group|flight|batch|plane|planeload|wave|round)",
        r"latest (?:[\w.-]+ ){0,2}(?:group|flight|batch|deportees|arrivals)", r"new (?:group|batch|flight|arrivals)",
        r"(?:third|fourth|fifth) (?!countr)(?:[\w.-]+ ){0,2}(?:group|flight|batch|wave|plane|round)",
        r"(?:tercer|tercero|cuarto|quinto) (?:grupo|vuelo|contingente)", r"(?:terceiro|quarto|quinto) (?:grupo|voo)",
        r"(?:troisieme|quatrieme|cinquieme) (?:groupe|vol|contingent)",
        r"more (?:[\w-]+ )?(?:deportees|migrants|people|men|women|detainees|asylum seekers)",
        # Any word, then "more": spelt as its first letter, then the rest of the word read possessively, so
        # that the cue tree can file it under its first letter (see alternation.py).
        _ANY_WORD + r" more (?:[\w-]+ )?(?:deportees|migrants|people|men|women|detainees|third|asylum)",
        # "un cubano y otros cuatro": the four others of one group, not four more.
        r"(?<!los )(?<!las )(?<!os )(?<!as )(?<!les )(?<! y )(?<! e )(?<! et )(?:otros|otras|outros|outras|autres) "
        r"(?:\d+|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|"
        r"quince|veinte|dois|duas|quatro|sete|oito|nove|dez|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze)",
        r"nuevo vuelo", r"novo voo", r"nouveau vol", r"new (?:deportation )?flight",
        r"additional (?:deportees|migrants|people)",
        r"further (?:[\w-]+ ){0,2}(?:deportees|migrants|nationals|people|group|flight|arrivals?)",
        r"bringing (?:the )?total", r"segundo (?:grupo|vuelo|voo)", r"otro (?:grupo|vuelo)", r"nuevo grupo",
        r"deuxieme (?:groupe|vol)", r"(?:" + _ANY_WORD + r" )?nouveaux (?:expulses|migrants|ressortissants)",
        r"nouveau groupe",
        r"autre groupe", r"novo grupo", r"outro grupo", r"mais (?:\d+|\w+) (?:migrantes|deportados|pessoas)",
        r"nuevos deportados", r"novos deportados",
        r"(?:derniers?|nouveaux) arrives", r"(?:ultimos|recien) llegados", r"(?:ultimos|recem) chegados",
    ),
    "first": (
        r"primer (?:vuelo|grupo|contingente)", r"premier (?:vol|groupe)", r"premiers (?:[\w-]+ )?(?:expulses|migrants)",
        r"primeiro (?:voo|grupo)", r"initial group", r"primeros (?:[\w-]+ )?(?:deportados|migrantes)",
        r"primeiros (?:[\w-]+ )?(?:deportados|migrantes)",
    ),
    "onward": (
        r"(?:mov|sen[dt]|transferr|deport|expel|flown|fly|flies|flew|return|ship)\w* (?:[\w-]+ ){0,3}(?:on|"
        r"onwards?) to",
        r"repatriat\w*", r"sent (?:them |him |her )?(?:home|back)", r"sends? (?:[\w-]+ ){0,3}(?:home|back)",
        r"returns? (?:[\w-]+ ){0,3}(?:home|to (?:his|her|their) (?:home|own))", r"onward", r"moved (?:on )?to",
        r"transferred (?:on )?to", r"repatri\w*", r"sent (?:on )?to (?:togo|darien|neighbouring)",
        # The receiving state moving deportees on: out of the country, across a border, to other countries.
        r"(?:moved|taken|sent|driven|expelled|removed) (?:[\w-]+ ){0,2}(?:out of|across the border|over the border)",
        r"(?:to|into) (?:other|neighbouring|neighboring) (?:countries|states)",
        r"(?:(?:traslad|envi|transfer|renvoy|expuls)\w* (?:[\w-]+ ){0,3}?)?(?:a|hacia|para|vers) "
        r"(?:los |os |les |des )?(?:paises vecinos|paises vizinhos|pays voisins)",
        # "transférés du Ghana vers le Togo": on from the receiving country to another.
        r"(?:transfer|renvoy|expuls|envoy|traslad|transferid|enviad)\w* (?:du|de la|de l'|d'|desde|de|do|da) "
        r"(?:[\w'-]+ ){1,2}(?:vers|hacia|para)",
        r"(?:renvoy|transfer|expuls|reconduit)\w* (?:[\w'-]+ ){0,3}(?:vers d'autres pays|hors du pays|de l'autre cote)",
        r"(?:enviad|trasladad|expulsad|sacad)[oa]s (?:[\w-]+ ){0,3}(?:a otros paises|fuera del pais)",
        r"(?:enviad|transferid|expuls|retirad)[oa]s (?:[\w-]+ ){0,3}(?:para outros paises|para fora do pais)",
        # The receiving state moving the people it took in on to a camp ("sent", "taken" to a camp is the
        # arrival itself).
        r"(?:mov|bus|transferr|relocat)\w* (?:[\w.-]+ ){0,12}?(?:to|into) (?:a |an |the )?"
        r"(?:[\w-]+ ){0,3}?camps?\b",
        r"traslad\w* (?:[\w.-]+ ){0,12}?(?:a|al|hacia) (?:un |una |la |el )?(?:[\w-]+ ){0,3}?"
        r"campamentos?\b",
        r"transfer\w* (?:[\w.'-]+ ){0,12}?(?:vers|dans|a) (?:un |une |le |la |l')?"
        r"(?:[\w-]+ ){0,3}?camps?\b",
        r"transferid\w* (?:[\w.-]+ ){0,12}?(?:para|a) (?:um |uma |o |a )?(?:[\w-]+ ){0,3}?"
        r"(?:acampamentos?|campos?)\b",
    ),
    "arrival": (
        r"landet", r"gelandet", r"eingetroffen", r"angekommen", r"atterra\w*", r"arrivat[io]", r"arriva(?:no)?",
        r"landed", r"lands?", r"landing", r"arrived", r"arrives?", r"arrival", r"touched down",
        r"reach(?:es|ed)?(?! (?:(?:a|an|the|its|their|this) )?(?:[\w-]+ )?(?:deal|agreement|accord|understanding|"
        r"arrangement|settlement|decision|verdict|conclusion|court|supreme)\b)(?! (?:in|on|with|out|by|last|this)\b)",
        r"flown (?:in|to|into)", r"(?:brings?|brought) (?:[\w.-]+ ){0,6}?(?:to|into)",
        r"(?:dumped|dropped|left|stranded) (?:in|at)",
        r"(?:abandonad|dejad|varad)[oa]s (?:en|a)", r"(?:largue|abandonne)e?s? (?:a|au|en)",
        r"(?:largad|deixad|abandonad)[oa]s (?:em|no|na)",
        r"llegaron", r"llegan", r"llego", r"llegad\w*", r"aterriz\w*", r"arribar\w*", r"atterri\w*",
        r"accueilli[es]?s?", r"arrive[es]?s?", r"arrivent", r"debarqu\w*", r"chegaram", r"chegam", r"chegou",
        r"chegad\w*", r"pousou", r"mberrit\w*", r"arrit\w*", r"stigl\w*",
        r"(?:deport\w*|sen[dt]s?|flew|flies|expel\w*|transfer\w*|remov(?:al|ed|es|ing)?) "
        r"(?!(?:[\w-]+ ){0,2}(?:deal|agreement|hearing|case|challenge|lawsuit|talks|policy)\b)"
        r"(?:[\w-]+ ){0,6}?(?:to|into)",
        # Spanish, French and Portuguese verb forms only: English "a" is an article, not "to".
        r"(?:deportad\w*|deportar\w*|deportac\w*|deporta|deportan|deportam|deporto|deportou|deportaram|expuls\w*|"
        r"envi\w*|envoy\w*|traslad\w*|transferid\w*|transfere\w*|renvoy\w*) "
        # Not across a second move ("expulsés des États-Unis, transférés du Ghana vers le Togo").
        r"(?:(?!transfer|renvoy|envoy|traslad|enviad|expuls)[\w-]+ ){0,6}?(?:a|para|vers|au|aux|en|em)",
        r"jail\w*", r"held (?:at|in)", r"detenus", r"incarcer\w*", r"encarcel\w*", r"housed", r"locks? up",
        r"heberg(?:e|ent|es|ee|ees)", r"abrig(?:a|am|ou|aram)", r"alberg(?:a|an|o|aron)",
        r"locked up",
        # "has already taken in", "ya recibió": a reception that has happened
        r"already (?:taken in|took in|received|accepted)", r"ya (?:recibio|ha recibido|acogio|acepto)",
        r"ja (?:recebeu|acolheu|aceitou)", r"(?:a|ont) deja (?:accueilli|recu)",
        r"(?:were|was|been) (?:taken|bused|driven) (?:to|into)(?! court)",
        r"(?:takes?|took|taken|taking) (?:[\w-]+ )?custody of",
        r"ingres(?:o|aron|an|ara|aran) (?:de |a |al |en )?"
        r"(?:\d+|[\w-]+ (?:venezolanos|migrantes|deportados|extranjeros))",
    ),
    "talks": (
        r"gesprache", r"verhandlung\w*", r"colloqui", r"trattativ\w*", r"negoziat\w*",
        r"weighs?", r"mulls?", r"mulling", r"open to", r"eyes", r"eyeing", r"reviewing", r"studying",
        r"evaluating", r"courting", r"courts (?:african|caribbean|latin)", r"estudia\w*", r"evalua\w*",
        r"sondea\w*", r"considera\w*", r"etudie\w*", r"examine\w*", r"estuda\w*", r"avalia\w*", r"analisa\w*",
        r"sounded out", r"floated", r"reach(?:ed)? out",
        r"talks", r"discuss\w*", r"negotiat\w*", r"approached", r"explor\w*", r"proposals?", r"consider\w*",
        r"weighing", r"conversaciones", r"conversac\w*", r"negociacion\w*", r"dialogos?", r"propuestas?",
        r"pourparlers",
        r"negociations?", r"discussions?", r"discut\w*", r"envisag\w*", r"negocia\w*", r"conversas", r"tratativas",
        r"bisedim\w*",
        r"pregovor\w*", r"(?<!protection )requests?", r"solicitud", r"demande", r"pedido", r"could", r"possible",
        r"potential\w*",
    ),
    "agreement": (
        # A government saying it is ready or willing to take deportees (not "would be willing", nor
        # "countries willing to accept" as the administration looks for them).
        r"(?<!be )(?<!countries )(?<!nations )(?<!governments )(?<!states )(?:ready|willing|prepared) to "
        r"(?:accept|receive|take|host)",
        r"(?<!etre )(?<!pays )pret(?:e|s|es)? a (?:accueillir|recevoir)",
        r"(?<!estar )(?<!paises )(?:dispuest|preparad|list)[oa]s? (?:a|para) (?:recibir|aceptar|acoger)",
        r"(?<!estar )(?<!paises )(?:dispost|pront|preparad)[oa]s? (?:a|para) (?:receber|aceitar|acolher)",
        r"pront[ao] ad accoglier\w*",
        r"concluded", r"finali[sz](?:e|es|ed)\b", r"asylum cooperative agreements?", r"safe third country agreements?",
        r"acuerdos? de tercer pais seguro", r"acordo de terceiro pais seguro", r"memorando\w*",
        r"notas diplomaticas", r"signe\w*", r"assin\w*", r"marreveshj\w*", r"nenshkru\w*", r"sporazum\w*",
        r"vereinbar\w*", r"accordo", r"aceita\w*",
        r"accepte\w*", r"acepta\w*", r"agreed",
    ),
    "court": (
        r"richter\w*", r"gericht\w*", r"urteil\w*", r"entschied\w*", r"verfugung", r"klage\w*", r"giudic\w*",
        r"tribunale", r"sentenza", r"corte",
        r"allows?", r"lets", r"permite\w*", r"permet\w*", r"clear(?:s|ed|ing)? the way", r"clears way",
        r"greenlights?", r"upholds?",
        r"overturn\w*",
        r"strikes? down", r"struck down", r"vacat\w*", r"appeals? court", r"appeal\w*", r"bloquea\w*",
        r"bloque\w*", r"autoriza\w*", r"autoris\w*", r"anul\w*", r"annul\w*", r"tribunal\w*",
        # "rules out a deal" is a refusal; people who "stay at" a centre are no court's stay.
        r"judges?", r"courts?", r"rules(?! out\b)", r"suit", r"stay(?! (?:at|in|on|with|until|for|there|here|"
        r"temporarily)\b)", r"unconstitutional", r"violat\w*", r"tribunal\w*",
        r"juez\w*", r"jueza", r"demanda\w*", r"recurso", r"amparo", r"juge", r"cour", r"plainte", r"juiz\w*",
        r"acao judicial", r"gjykat\w*", r"sudac|sudija|sudu", r"hearing", r"petition\w*", r"magistrad\w*",
    ),
    "paused": (
        r"ausgesetzt", r"gestoppt", r"sospes[oa]", r"sospende\w*",
        r"(?:ends?|ended|ending)(?= (?:[\w'-]+ ){0,3}(?:deal|agreement|accord|program\w*|arrangement|pact|partnership|"
        r"flights?|deportations?|removals?|transfers?|cooperation|policy|practice)s?\b)",
        r"(?:has|have|had|was|is|been) ended", r"(?:deal|agreement|arrangement|program\w*|flights?) ends?",
        r"scraps?", r"freez\w*", r"frozen", r"pausa\w*", r"congela\w*", r"cancela\w*",
        r"termina\w*", r"pone fin", r"met fin", r"gele\w*", r"annule\w*", r"encerra\w*", r"poe fim",
        r"halt\w*", r"paused?", r"pauses", r"cancel\w*", r"withdr\w*", r"freed", r"released", r"liberad\w*",
        r"libere\w*", r"libertad\w*", r"regresan", r"rentrent", r"regressam", r"back to caracas",
    ),
    "criticism": (
        # A government saying it cannot or will not take deportees is a refusal.
        r"(?:can't|cannot|can not|won't|will not|unable to) (?:take|accept|receive|host)" + _NOT_CONDITIONS,
        r"no (?:puede|podra|va a) (?:recibir|aceptar|acoger)", r"nao (?:pode|podera|vai) (?:receber|aceitar|acolher)",
        r"ne (?:peut|pourra|va) pas (?:accueillir|recevoir|accepter)",
        r"lehnt (?:[\w-]+ ){0,4}ab", r"kritik\w*", r"weiger\w*", r"respinge\w*", r"rifiuta\w*",
        r"decr(?:ies|y)", r"criticiz\w*", r"criticis\w*", r"questions?", r"raises? concerns?", r"protest\w*",
        r"critica\w*", r"condena(?:n|ron|r)?\b", r"condeno",
        r"cuestiona\w*", r"alerta\w*", r"critique\w*", r"denonce\w*",
        r"condamne\w*", r"s'inquiete\w*", r"inquiet\w*", r"questiona\w*", r"preocupa\w*",
        r"denie[sd]", r"deny\w*", r"nega(?:m|ram|ou)?", r"desmente\w*", r"desmentiu", r"refus\w*", r"reject\w*",
        r"declined", r"alarm\w*", r"critici\w*",
        r"condemn\w*",
        r"outrage\w*", r"slam\w*", r"blast\w*", r"disclos\w*", r"niega\w*", r"desmient\w*", r"rechaz\w*",
        r"denunci\w*", r"dement\w*", r"rejett\w*", r"rejeit\w*", r"recus\w*", r"questioned", r"opposition",
        r"minority", r"demand(?!eurs? d'asile|antes de asilo)\w*", r"warn\w*",
    ),
    "agreement_w": (
        r"abkommen", r"vereinbarung", r"accordo", r"intesa",
        r"deals?", r"agreements?", r"pacts?", r"accords?", r"arrangements?", r"acuerdos?", r"acordos?",
        r"pactos?", r"convenios?",
    ),
    "arrival_w": (r"received", r"receives", r"recibe", r"recebe", r"accueille", r"recibio", r"recoit", r"recebeu",
                  r"takes in", r"took in", r"acoge",
                  # "welcomes five men", not "welcomes Kosovo's decision"
                  r"welcomes(?! (?:[\w'-]+ ){0,3}(?:decision|agreement|deal|announcement|commitment|move|step|offer|"
                  r"pledge|cooperation|partnership|support)\b)"),
    "court_w": (r"order\w*", r"orden\w*", r"ordonn\w*"),
    "criticism_w": (r"critic\w*", r"concern\w*", r"payment", r"paid", r"nega\w*"),
}
STAGE_PATTERN = compile_groups(STAGE_CUES)
