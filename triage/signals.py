"""Readable rules: the words that signal an exclusion, a past failure, or a risk to safety.

Exclusion and failure signals are evidence the trained model weighs (each fired signal is
given to it as a feature) and are reported with every decision. Safeguarding flags are
decided by these rules alone: a risk to life must never depend on a statistical guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    pattern: re.Pattern[str]


def _rule(name: str, description: str, pattern: str) -> Rule:
    # Rules run on lower-cased text and are compiled without re.IGNORECASE, which makes
    # Python's engine several times slower on alternations this large.
    return Rule(name, description, re.compile(pattern))


# Evidence for the label contract's exclusions and precedence rules.
SIGNALS: tuple[Rule, ...] = (
    _rule("pcn", "mentions a penalty charge notice or parking ticket",
          r"\b(?:pcns?|penalty charged?(?: notice)?s?|parking (?:fine|ticket)s?|[a-z]{2} ?\d{8})\b"),
    _rule("appeal_words", "asks to appeal, challenge or cancel a decision",
          r"\b(?:appeal\w*|challeng\w*|contest\w*|overturn\w*|cancel (?:the|my|this) (?:fine|ticket|pcn|charge)|"
          r"reconsider\w*|review (?:of )?(?:the|my|this) decision|wrongly (?:issued|refused|assessed)|unfair (?:fine|ticket|decision))\b"),
    _rule("decision_outcome", "disagrees with the outcome of a decision",
          r"\b(?:refus(?:ed|al)|turned down|rejected|decision|ruled|assessed|liab(?:le|ility)|band(?:ing)?|overpayment|"
          r"enforcement notice|granted|approved|awarded)\b"),
    _rule("statutory_topic", "a decision with its own appeal route (planning, benefits, council tax, housing review)",
          r"\b(?:planning (?:permission|application|refusal|decision)|housing benefit|council tax (?:support|reduction)|"
          r"(?:council tax|business rates?) (?:band|liability|bill)|housing register|homeless(?:ness)? (?:decision|review)|"
          r"mandatory reconsideration|discretionary (?:housing payment|relief))\b"),
    _rule("information_request", "Freedom of Information or data protection wording",
          r"\b(?:freedom of information|foi|f\.o\.i|subject access|sar|gdpr|data protection|personal data|"
          r"information commissioner|ico|environmental information regulations|copy of (?:all )?(?:my|the) (?:records|file|data|information))\b"),
    _rule("councillor", "names an elected councillor",
          r"\b(?:council+or|cllr|ward member|portfolio holder|the leader of the council|mayor)\b"),
    _rule("councillor_conduct", "describes conduct, interests or behaviour",
          r"\b(?:conduct|behaviour|behavior|declare(?:d)? (?:an |his |her |their )?interest|conflict of interest|"
          r"monitoring officer|code of conduct|abusive|rude|bull(?:y|ied|ying)|lied|shouted|swore|threatened|misconduct)\b"),
    _rule("compensation", "asks for money for loss, injury or damage",
          r"\b(?:compensat\w*|claim(?:ing)? (?:for|against)|reimburse\w*|pay (?:for|out for) (?:the )?(?:damage|repair|repairs|vet|new)|"
          r"insurance|damaged my|ruined my|injur\w*|tripped|personal injury|cost me £|the bill for|invoice you|"
          r"cover the cost|refund (?:me )?for (?:the )?(?:damage|repair))\b"),
    _rule("damage", "describes damage to property or injury",
          r"\b(?:damag\w*|dent\w*|scratch\w*|crack\w*|smash\w*|broke(?:n)? my|hurt my|fell|injured|windscreen|tyre)\b"),
    _rule("decided_elsewhere", "refers to a decision by a court, tribunal or the Ombudsman",
          r"\b(?:ombudsman|lgsco|lgo|tribunal|court|judge|magistrates?|county court|first-tier|upper tribunal)\b"),
    _rule("decided_words", "says the matter was decided or ruled on",
          r"\b(?:ruled|decided|found in|found against|dismissed|judgment|judgement|verdict|final decision|closed (?:my|the) (?:case|complaint)|upheld|not uphold)\b"),
    _rule("policy", "disagrees with a policy or a councillors' decision",
          r"\b(?:polic(?:y|ies)|fortnightly|three.weekly|charg(?:e|es|ing) for (?:garden|brown|green) (?:waste|bins?)|"
          r"garden waste (?:charge|subscription|fee)|(?:tariff|price|charge|fee)s? (?:increase|rise|hike)|local plan|"
          r"(?:why|how) (?:are|is) (?:you|the council) (?:charging|allowed)|committee (?:voted|decided|approved)|councillors (?:voted|decided|agreed)|"
          r"council tax (?:rise|increase)|waste of (?:public|taxpayers'?) money|should(?:n't| not) be spending)\b"),
    _rule("not_council", "a service another body provides",
          r"\b(?:pot ?holes?|street ?lights?|street ?lamps?|lamp ?posts?|road surface|pavements?|footpaths? (?:are|is) (?:broken|uneven)|"
          r"traffic lights?|speed (?:bumps?|limit|cameras?)|bus(?:es| service| stop| shelter| route)?|school(?:s| place| places| transport)?|"
          r"social (?:care|services|worker)|police|101|nhs|gp|doctor'?s?|hospital|dentist|anglian water|thames water|"
          r"south east water|affinity water|sewer|water (?:leak|main|company|board)|electricity|power cut|gas (?:board|company|main)|"
          r"parish council|town council|county council|cambridgeshire county|hampshire county|highways?|libraries|library|"
          r"my landlord|letting agent|housing association|deposit|royal mail|post office|dvla)\b"),
    _rule("repeat_failure", "says the council already failed on this",
          r"\b(?:again|third time|second time|fourth time|\d+(?:st|nd|rd|th)? time|(?:three|four|five|several|many|two|3|4|5) times|"
          r"(?:every|each) (?:week|time)|still (?:not|hasn'?t|haven'?t|no)|reported (?:it )?(?:twice|before|already|three|several|\d)|"
          r"already (?:reported|told|called|rang|emailed)|nobody (?:came|has|called|replied|got back)|no(?:body| one) (?:has )?(?:got|gets) back|"
          r"never (?:heard|replied|responded|came|got)|no (?:reply|response|answer)|ignored|promised|weeks? (?:later|on)|months? (?:later|on)|"
          r"keeps? (?:happening|missing)|not good enough|fed up|disgust\w*|appalling|shocking|useless|pathetic|joke)\b"),
    _rule("complain_word", "uses the word complaint or complain",
          r"\b(?:complain\w*|formal complaint|make a complaint|log a complaint|unacceptable)\b"),
    _rule("handling_words", "about how a process or person handled it",
          r"\b(?:rude\w*|unhelpful|dismissive|hung up|put the phone down|shouted|spoke to me|attitude|never (?:answered|replied|responded)|"
          r"no (?:reply|response|acknowledgement)|lost (?:my|the) (?:forms?|documents?|letter|evidence|application)|"
          r"(?:weeks|months) (?:and|with) no|still waiting|(?:took|taking) (?:months|weeks|ages)|delay\w*|the way (?:my|the|it)|how (?:my|the) \w+ was handled)\b"),
    _rule("thanks", "thanks or praises",
          r"\b(?:thank\w*|thanks|thx|ty|brilliant|excellent|fantastic|amazing|wonderful|superb|great job|well done|"
          r"so helpful|really helpful|very helpful|kind|patient|lovely|credit to|above and beyond|shout ?out|praise|cheers)\b"),
    _rule("suggestion", "suggests an improvement",
          r"\b(?:suggest\w*|it would be (?:good|nice|great|helpful)|would be nice|have you (?:considered|thought)|why not|"
          r"could you (?:consider|think about)|idea|feedback|might be worth|just a thought|would it be possible to add)\b"),
    _rule("request_words", "asks for something to be done or answered",
          r"\b(?:please|pls|plz|can you|could you|can i|could i|how do i|how can i|when (?:is|will|does)|i'?d like to (?:report|book|order|request|apply)|"
          r"i want to (?:report|book|order|request|apply)|request|report(?:ing)?|collect|replace\w*|new bin|send (?:me|us|someone)|book|order)\b"),
)

_NO_HEAT = (r"\b(?:no (?:heating|heat|hot water|water|power|electric(?:ity)?)|water (?:off|cut off)|"
            r"boiler (?:has )?(?:broken|packed up|gone|stopped|turned off|off)|turned the (?:boiler|heating|water|power) off|"
            r"heating (?:has )?(?:broken|failed|not working|off)|\d{1,2} degrees|minus \d+|-\d+ tonight|freezing (?:cold )?(?:flat|house|home))\b")
_VULNERABLE = (r"\b(?:elderly|pensioner|baby|newborn|infant|toddler|disabled|oxygen|dialysis|terminal|cancer|chemo\w*|frail|copd|diabetic|"
               r"vulnerable|\d{2} ?(?:years? old|yr old|year-old)|(?:she'?s|he'?s|is|aged|in (?:their|his|her)) (?:8|9)\d'?s?|"
               r"ninety|eighty|dementia|confused|pregnant|seriously ill|wheelchair)\b")

# Safeguarding: any one of these makes a contact urgent, whatever else it is.
URGENT: tuple[Rule, ...] = (
    _rule("self_harm", "mentions suicide or self-harm",
          r"\b(?:suicid\w*|kill (?:myself|himself|herself|themselves)|end (?:it all|my life|things|it)|take my (?:own )?life|"
          r"self[- ]harm\w*|harm(?:ing)? (?:myself|himself|herself)|don'?t want to (?:live|be here|go on)|no (?:point|reason) (?:in )?living|"
          r"(?:jump|throw (?:myself|himself|herself)) (?:off|from|in front)|overdose|can'?t go on|can'?t (?:see|find) a way out|"
          r"better off (?:without me|dead|if i (?:wasn'?t|weren'?t) (?:here|around))|(?:don'?t|can'?t) see the point (?:in|of) (?:carrying on|going on|living|anything)|"
          r"(?:standing|stood|sat|sitting) (?:right )?on the edge|on the edge of (?:the )?(?:roof|bridge|top deck|multi|car park)|not safe (?:from|with) myself)\b"),
    _rule("threat", "reports a threat or act of violence",
          r"\b(?:threaten\w* (?:to )?(?:kill|hurt|stab|burn|attack|beat|harm|smash)|(?:going|gonna) to (?:kill|hurt|stab|attack|harm|batter) (?:me|him|her|them|us|you|someone|staff)|"
          r"(?:will|i'?ll|gonna|going to) (?:stab|smash|batter|burn|knife) (?:me|him|her|them|you|your|his|her|someone|in)\b|"
          r"(?:will|i'?ll|gonna|going to) (?:kill|hurt|do) (?:me|him|her|them|you|your|someone|in)\b(?! if\b)|"
          r"smash (?:his|her|your|their) (?:face|head)|with a knife|knife|machete|gun|weapon|stabb\w*|assault\w*|attacked (?:me|him|her)|death threats?|"
          r"hands? (?:round|around) (?:my|her|his) (?:neck|throat)|strangl\w*|punched (?:me|him|her)|bomb)\b"),
    _rule("domestic_abuse", "mentions domestic abuse",
          r"\b(?:domestic (?:abuse|violence)|(?:partner|husband|wife|boyfriend|girlfriend|ex|stepdad|stepfather|dad|father|he|she)(?:'s| is)? (?:hits?|hit me|hit her|hit him|beats?|beat me|is violent|violent|attacked|hurt me|hurts? (?:me|her|him)|controls everything)|"
          r"abusive (?:partner|husband|wife|boyfriend|girlfriend|ex|relationship)|flee(?:ing|d)?\b|refuge|coercive\w*|controlling (?:partner|husband|boyfriend)|"
          r"scared (?:he|she) will (?:hurt|kill|find)|won'?t find (?:us|me)|need to (?:get out|leave (?:my|him|her)))\b"),
    _rule("child_at_risk", "a child may be at risk",
          r"\b(?:(?:child|children|kids?|baby|babies|toddler|little ones?|boy|girl)s? (?:(?:have been|has been|are|is|were|was|been) )?(?:left )?(?:alone|on (?:their|his|her) own|unsupervised|unattended)|"
          r"on their own in the (?:flat|house)|child (?:at risk|protection|neglect)|safeguarding|(?:being|is|are) neglected|(?:hitting|beating|screaming at) (?:the|their|a) (?:child|kids?|baby)|"
          r"(?:child|kid|boy|girl) (?:gets?|got|will get|could get) (?:killed|hurt|hit|run over)|kids (?:are )?(?:climbing|playing) on (?:them|it)|"
          r"i'?m (?:1[3-7]|thirteen|fourteen|fifteen|sixteen|seventeen)\b|kicked out at (?:1[3-7]|fifteen|sixteen|seventeen))\b"),
    _rule("homeless_tonight", "has nowhere safe to sleep tonight",
          r"\b(?:sleep(?:s|ing)? (?:rough|on the streets?|outside|in (?:my|the|a|our|her|his) (?:car|van|tent|park|doorway)|at (?:the )?(?:bus|train|railway) station)|"
          r"nowhere to (?:sleep|stay|go|live) tonight|homeless (?:tonight|today|from today|now)|on the streets? tonight|"
          r"(?:evicted|kicked out|thrown out|locked out|told to leave) (?:today|tonight|this (?:morning|evening|afternoon)|now|and)|"
          r"just (?:got|been) evicted|street homeless|in a tent)\b"),
    _rule("no_heat_vulnerable", "no heating, power or water for someone vulnerable",
          rf"{_NO_HEAT}[\s\S]{{0,300}}{_VULNERABLE}|{_VULNERABLE}[\s\S]{{0,300}}{_NO_HEAT}"),
    _rule("danger", "an immediate physical danger",
          r"\b(?:gas (?:leak|smell)|smell(?:s|ing)? (?:of )?(?:gas|burning)|burning smell|live wires?|could be live|exposed (?:wires|cables)|wires? hanging|hanging by (?:its|the) wires|"
          r"spark(?:ing|ed|s)|electrocut\w*|smoke alarm|fire alarm|fire exit\w*|on fire|carbon monoxide|"
          r"(?:about to|going to|could|might) (?:collapse|come down|fall (?:down|on|off))|could (?:go|come down) (?:any|at any)|dangerous (?:structure|building|wall|tree)|"
          r"(?:wall|roof|ceiling|chimney|stack|tree|branch|fence|scaffold\w*|hoarding|shop front)[^.|]{0,80}\b(?:collapsing|falling (?:down|off|over)|leaning (?:right |badly )?over|swaying|bulging|rocking|tilting|hanging (?:off|by|over)|coming down|creaking)|"
          r"load[- ]bearing|propped up|sheer drop|manhole (?:cover )?(?:missing|open|off)|(?:used )?needles? (?:and|n|&) syringes?|syringes?|used needles?)\b"),
    _rule("welfare", "someone may be unwell and alone",
          r"\b(?:not (?:seen|heard from) (?:him|her|them) (?:for|since)|check on (?:the|my|an|our) (?:old|elderly|neighbour)|post (?:is )?piling up|"
          r"(?:collapsed|fallen) and can'?t get up|lying on the floor)\b"),
)


@dataclass(frozen=True)
class Hit:
    rule: str
    description: str
    text: str


def find(rules: tuple[Rule, ...], text: str) -> list[Hit]:
    """Every rule that matches `text`, which must be lower-cased (see `_rule`)."""
    hits = []
    for rule in rules:
        match = rule.pattern.search(text)
        if match:
            hits.append(Hit(rule.name, rule.description, match.group(0)))
    return hits


# Words that place a contact in a service area (triage-labels.md section 3). They are
# features for the model, not decisions: "bin" in a parking complaint must not make it waste.
AREAS: tuple[Rule, ...] = (
    _rule("waste", "bins, recycling or collections",
          r"\b(?:bins?|wheelie|recycl\w*|rubbish|refuse|collection|collected|bin (?:men|lorry|crew|day)|binmen|crew|"
          r"garden waste|green waste|brown bin|black bin|blue bin|food (?:waste|caddy)|caddy|bulky (?:waste|item|collection)|"
          r"missed (?:bin|collection)|assisted collection|sacks?|clinical waste|glass box)\b"),
    _rule("street_scene", "streets, litter, fly-tipping and open spaces",
          r"\b(?:fly[- ]?tip\w*|fry tipping|litter\w*|dog (?:fouling|poo|mess|waste)|graffiti|street (?:cleaning|sweep\w*)|sweep\w*|"
          r"grass (?:cutting|verge)|verges?|mow\w*|overgrown|hedges?|parks?|play (?:area|park|ground)|playground|open spaces?|"
          r"benches?|dumped|abandoned (?:car|vehicle|trolley)|needles?|weeds?|leaves|footpaths?|pothole|street ?lights?|pavement|road)\b"),
    _rule("parking", "car parks, permits and parking enforcement",
          r"\b(?:park(?:ing|ed)|car ?parks?|multi[- ]?storey|pcn|penalty charged?|parking (?:ticket|fine|permit|warden)|"
          r"civil enforcement officer|warden|permits?|pay and display|ringgo|double yellow|disabled bay|blue badge|season ticket)\b"),
    _rule("planning", "planning, building control, trees and conservation",
          r"\b(?:planning|extension|application|planning permission|building control|building regs|conservation|listed building|"
          r"tree preservation|tpo|enforcement notice|dormer|loft conversion|local plan|develop\w*|scaffold\w*|structur\w*|"
          r"permitted development|outbuilding|annexe|fence|hedge height)\b"),
    _rule("council_tax", "council tax and business rates",
          r"\b(?:council tax|ctax|business rates?|rates bill|single person discount|direct debit|instal+ments?|arrears|"
          r"summons|bailiffs?|enforcement agents?|liability order|band [a-h]\b|valuation|empty property|second home|exemption)\b"),
    _rule("benefits", "housing benefit and council tax support",
          r"\b(?:housing benefit|hb|council tax (?:support|reduction)|ctr|universal credit|benefit|overpayment|"
          r"discretionary housing payment|dhp|claim form|entitlement|backdat\w*)\b"),
    _rule("housing", "homelessness, the housing register and private housing standards",
          r"\b(?:homeless\w*|housing (?:register|needs|options|officer|team|list)|temporary accommodation|temp accom\w*|b&b|hostel|"
          r"landlord|tenan\w*|rent(?:ed|ing)?|evict\w*|section 21|mould|damp|disrepair|hmo|disabled facilities grant|dfg|"
          r"council house|social housing|bidding|band(?:ing)?|housing association|lettings?)\b"),
    _rule("environmental_health", "noise, pests, food hygiene, pollution and licensing",
          r"\b(?:noise|noisy|loud (?:music|party|parties)|barking|pest\w*|rats?|mice|cockroach\w*|wasps?|bed ?bugs|food (?:hygiene|poisoning)|"
          r"restaurant|takeaway|kitchen|hygiene rating|pollution|smoke|bonfire|smell|odour|fumes|licen[cs]\w*|taxis?|cab|"
          r"private hire|alcohol|premises|street trading|event licen\w*|air quality|asbestos|environmental health)\b"),
    _rule("leisure", "leisure centres, pools, gyms and sport",
          r"\b(?:leisure (?:centre|center)|one leisure|swim\w*|pool|gym|fitness|class(?:es)?|spin|membership|sports? (?:hall|centre|booking)|"
          r"badminton|squash|tennis|football pitch|changing rooms?|lifeguard|sauna|climbing wall|5[- ]a[- ]side)\b"),
    _rule("customer_services", "the contact centre, website and the council as a whole",
          r"\b(?:website|web ?site|online form|app|contact cent(?:re|er)|call cent(?:re|er)|phone (?:line|lines|number)|switchboard|"
          r"on hold|customer services?|reception|opening hours|email address|my account|log ?in|password|foi|freedom of information|"
          r"subject access|councill?or|cllr|mayor|school|social (?:care|services)|police|nhs|gp|hospital)\b"),
)
