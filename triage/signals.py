"""Readable rules: the words that signal an exclusion, a past failure, or a risk to safety.

Exclusion and failure signals are evidence the trained model weighs (each fired signal is
given to it as a feature) and are reported with every decision. Safeguarding flags are
decided by these rules alone: a risk to life must never depend on a statistical guess.
"""

from __future__ import annotations

import re
from collections.abc import Container
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
            r"boiler(?:'s| has| is|s)?(?: been| gone| just)? (?:broke|broken|bust(?:ed)?|packed (?:up|in)|died|conked out|not working|kaput|dead|knackered|"
            r"on the blink|playing up|gone|stopped|turned off|off)|"
            r"(?:house|flat|home|bedroom|bungalow|place|we'?re|she'?s|he'?s|they'?re|kids are|baby is|baby'?s)(?: is|'s)? (?:absolutely |bloody |so |really |literally )?freezing|"
            r"radiators? (?:are |is )?(?:stone |ice )?cold|radiators? (?:not|aren'?t|isn'?t|don'?t|doesn'?t) (?:working|work|come on|heat)|"
            r"(?:can'?t|cannot|couldn'?t) (?:afford to )?top up (?:the |my |our )?(?:meter|gas|electric)|no (?:credit|money) (?:on|for) (?:the |my |our )?(?:meter|gas|electric)|"
            r"gas (?:has been |was |been )?(?:capped|cut off|disconnected)|turned the (?:boiler|heating|water|power) off|"
            r"heating(?:'s| has| is)?(?: been)? (?:broken|failed|not working|off|gone|packed (?:up|in)|stopped|died)|"
            r"heating (?:doesn'?t|don'?t|won'?t|isn'?t) (?:work|come on)|\d{1,2} degrees|minus \d+|-\d+ tonight|freezing (?:cold )?(?:flat|house|home)|"
            r"no (?:working )?(?:toilet|cold water|electric|gas)|(?:meter|electric|power) (?:has )?(?:ran|run) out|"
            r"standpipe (?:has been |is )?broken|(?:choose|choosing|chose) between (?:the )?(?:gas|heating|electric|eating|food)|"
            r"(?:can'?t|cannot|couldn'?t) afford (?:to )?(?:heat|the heating|the gas|the electric)|in (?:their|her|his) hats in bed|"
            r"(?:whole )?(?:block|building|flat|house)'?s? (?:been )?(?:off|without heat\w*) since|"
            r"(?:cut|switched|turned|shut) (?:off )?(?:the |our |my )?(?:electric\w*|power|gas|water|heating)(?: off)?|in bed (?:in|with) (?:her|his|my|all) (?:coat|clothes)|sat in (?:his|her) coat|so cold|frost)\b")
_VULNERABLE = (r"\b(?:elderly|pensioner|baby|newborn|infant|toddler|disabled|oxygen|dialysis|terminal|cancer|chemo\w*|frail|copd|diabetic|"
               r"vulnerable|\d{2} ?(?:years? old|yr old|year-old)|(?:she'?s|he'?s|is|aged|in (?:their|his|her)) (?:8|9)\d'?s?|"
               r"ninety|eighty|dementia|confused|pregnant|seriously ill|wheelchair|"
               r"\d{1,2} (?:months?|weeks?|days?) old|monitor|ventilator|insulin|kidney|stroke|carer|asthma|seventy|\d{2}s\b|"
               r"premature|prem babies|born (?:\w+ ){0,2}early)\b")

# Safeguarding: any one of these makes a contact urgent, whatever else it is.
URGENT: tuple[Rule, ...] = (
    _rule("self_harm", "mentions suicide or self-harm",
          r"\b(?:suicid\w*|kill (?:myself|himself|herself|themselves)|end (?:it all|my life|things|it)|take my (?:own )?life|"
          r"self[- ]harm\w*|harm(?:ing)? (?:myself|himself|herself)|don'?t want to (?:live|be here|go on)|no (?:point|reason) (?:in )?living|"
          r"(?:jump|throw (?:myself|himself|herself)) (?:off|from|in front)|overdose|can'?t go on|can'?t (?:see|find) a way out|"
          r"better off (?:without me|dead|if i (?:wasn'?t|weren'?t) (?:here|around))|(?:don'?t|can'?t) see the point (?:in|of) (?:carrying on|going on|living|anything)|"
          r"(?:standing|stood|sat|sitting) (?:right )?on the edge|on the edge of (?:the )?(?:roof|bridge|top deck|multi|car park)|not safe (?:from|with) myself|"
          r"wants? to die|want(?:ed)? to be dead|take (?:all )?(?:his|her|my|their) (?:pills|tablets)|what i'?(?:ll| will|d| would) do to myself|"
          r"do something (?:stupid|silly) to myself|before i do something stupid|(?:can'?t|cannot) (?:do|take|cope with|face) (?:this|it|any of it) any ?more|"
          r"done with (?:it all|everything|life)|what'?s the point (?:any ?more|of (?:anything|it all|any of it|living|going on))|"
          r"won'?t (?:be around|be here|need (?:the|my) (?:flat|house|home)) (?:much )?long(?:er)?|not (?:be )?around long enough|"
          r"(?:put|putting) my affairs in order|(?:no ?one|nobody) would (?:notice|care|miss)|driv(?:e|ing) (?:it|the car|myself) into|"
          r"nothing left in me|my last hope|crisis team|feels? (?:so )?hopeless|thoughts i haven'?t had|a burden to (?:everyone|everybody|my family)|"
          r"i'?m going to break|can'?t do this any ?more|"
          r"(?:been|started|keep|i'?m|i'?ve been) cutting (?:again|myself|my (?:arms?|legs?))|disappear for good|"
          r"(?:no|not any|isn'?t any) point (?:in )?(?:carrying on|going on|living|being here)|"
          r"sorry i (?:couldn'?t|could not|can'?t) (?:keep going|go on|carry on|hold on)|so (?:nobody|no ?one|no-one) (?:has|will have) to (?:deal with|sort)|"
          r"want to be with (?:her|him|them) (?:again|now|that'?s all)|won'?t be here to see|"
          r"said (?:all )?my goodbyes|bye every(?:one|body)|checking out for good|(?:didn'?t|did not) think i'?d (?:still )?be (?:here|around|alive)|"
          r"not sure i will be(?: here| around)?\b|(?:tablets|pills) (?:all )?counted out|(?:i'?m|i am) (?:still )?not in a good way|"
          r"only thing (?:that'?s |that is |that )?(?:keeping|keeps|kept) me going|given (?:most |all )?(?:of )?my (?:things|stuff|belongings) away|"
          r"(?:tablets|pills) (?:saved|stored|stockpiled)|(?:all )?planned for tonight|last (?:email|message|letter) you'?ll (?:ever )?(?:get|have|hear)|"
          r"goodbye (?:notes?|letters?)|(?:go to sleep|fall asleep) and (?:not|never) wake up|wrong side of the (?:railings?|barriers?|fence|bridge)|"
          r"work(?:ing)? up the (?:nerve|courage)|cut (?:his|her|my|their) (?:arms?|wrists?)|"
          r"(?:finally|might|may|could|will|gonna|going to|i'?ll|i'?ve) (?:do|done|have done) something (?:stupid|silly)|"
          r"(?:stood|standing|sat|sitting) on the (?:ledge|parapet)|(?:i'?m|i am) (?:stood|standing|sat|sitting) on (?:the|a) (?:bridge|roof)|"
          r"(?:stood|standing|sat|sitting) on the (?:bridge|roof)\b[^.|]{0,40}\b(?:typing|writing|right now|tonight))\b"),
    _rule("threat", "reports a threat or act of violence",
          r"\b(?:threaten\w* (?:to )?(?:kill|hurt|stab|burn|attack|beat|harm|smash)|(?:going|gonna) to (?:kill|hurt|stab|attack|harm|batter) (?:me|him|her|them|us|you|someone|staff)|"
          r"(?:will|i'?ll|gonna|going to) (?:stab|smash|batter|burn|knife) (?:me|him|her|them|you|your|his|her|someone|in)\b|"
          r"(?:will|i'?ll|gonna|going to) (?:kill|hurt|do) (?:me|him|her|them|you|your|someone|in)\b(?! if\b)|"
          r"smash (?:his|her|your|their) (?:face|head)|with a knife|knife|machete|gun|weapon|stabb\w*|assault\w*|attacked (?:me|him|her)|death threats?|"
          r"hands? (?:round|around) (?:my|her|his) (?:neck|throat)|strangl\w*|punched (?:me|him|her)|bomb\b(?! site)|"
          r"knows? (?:where|which) (?:i|we|you|she|he|they|my|her|his) (?:live|lives|work|works|car park|school|bus)|"
          r"put (?:me|him|her|you|us) in (?:the )?(?:hospital|ground)|sort (?:me|you|him|her|us) out|get what'?s coming|"
          r"smash(?:ed|ing)? (?:\w+ ){0,3}(?:face|head|door)(?: in)?|smashed the glass on|shoot(?: up)?|hammer|"
          r"wait for (?:her|him|me) after|followed (?:me|her|him|them|two|my)|stalk\w*|black eye|bleeding|bruis\w*|"
          r"(?:scared|frightened|terrified|afraid) to (?:go out|go home|go back|leave|go to)|not safe (?:at home|to go)|fear for (?:my|our|her|his|their) (?:life|lives|safety)|"
          r"(?:keeps?|kept|been|is|he'?s|she'?s|they'?re|started) following (?:me|her|him|us|them|my)|"
          r"what (?:he'?s|she'?s|they'?re|he is|she is|they are) (?:going|gonna) (?:to )?do to (?:me|her|him|us)|"
          r"hand on (?:her|my|his) (?:knee|leg)|touched (?:her|me|him)|filming (?:through|in|the|children|kids)|kept prisoner|help me in capitals|"
          r"(?:get|getting) (?:his|her|their|your|my) head kicked in|some(?:one|body) (?:is|'s) (?:going|gonna) (?:to )?get (?:hurt|killed)|"
          r"(?:he'?d|he would|she'?d|she would|i'?ll|he'?ll|she'?ll|gonna|going to) bury (?:me|you|him|her|us)|pinned (?:me|him|her) (?:up )?against|"
          r"(?:lobbing|throwing|threw|chucking|chucked|thrown) (?:a )?(?:bricks?|stones?|rocks?|bottles?) (?:at|through) (?:my|our|the|his|her) (?:front |back |kitchen |bedroom )?(?:windows?|door|house|car))\b"),
    _rule("domestic_abuse", "mentions domestic abuse",
          r"\b(?:domestic (?:abuse|violence)|(?:partner|husband|wife|boyfriend|girlfriend|ex|stepdad|stepfather|dad|father|he|she)(?:'s| is)? (?:hits?|hit me|hit her|hit him|beats?|beat me|is violent|violent|attacked|hurt me|hurts? (?:me|her|him)|controls everything)|"
          r"abusive (?:partner|husband|wife|boyfriend|girlfriend|ex|relationship)|flee(?:ing|d)?\b|refuge|coercive\w*|controlling (?:partner|husband|boyfriend)|"
          r"scared (?:he|she) will (?:hurt|kill|find)|won'?t find (?:us|me)|need to (?:get out|leave (?:my|him|her))|"
          r"(?:partner|husband|wife|boyfriend|girlfriend|ex)(?:[- ]\w+)? (?:has been |was |is |had been )?(?:hitting|violent|controlling)|"
          r"(?:because of|from) (?:his|her) violence|pushed me (?:down|over|into|against)|non[- ]molestation|injunction|restraining order|(?:thrown|threw|kicked) (?:her|him|me) out|"
          r"(?:can'?t|cannot) go (?:home|back)|(?:he|she)'?s come back|take the kids|(?:ex|husband|partner)(?:'s| has)? found (?:me|us|where)|(?:gave|given|sent) (?:him|her) my (?:new )?address|"
          r"has (?:my|our) (?:new )?address|will find (?:me|us)|cuckooing|groom\w*|exploit\w*|older man|"
          r"(?:not|never) allowed (?:my own|to (?:see|go out|have|leave|work|speak))|(?:not|never) allowed to (?:use|touch|have) (?:the|my|a) (?:computer|phone|laptop|car|money|bank)|"
          r"(?:hear|heard|hearing|could hear) (?:him|her|them|he|she) (?:hitting|hit|beating|punching|slapping|kicking)|won'?t let me (?:have|see|go|out|leave|work)|"
          r"(?:he|she) (?:sees|reads|checks|opens|goes through) (?:every|all|each) (?:of )?(?:my |the )?(?:emails?|post|letters?|messages|texts|penny|calls?|receipts?)|"
          r"(?:he|she)(?:'?s| has) got (?:my|all my) (?:passport|bank|cards?|money|phone|documents|id)\b|(?:he|she) (?:only )?lets me (?:go|out)|someone who isn'?t (?:him|her)|"
          r"(?:gets?|goes) (?:angry|mad|violent|nasty) (?:when|if) (?:he|she) (?:sees|finds|reads)|"
          r"(?:driv\w+|comes?|turn\w*) (?:round|past|up)\b[^.|]{0,30}\bto (?:check|see) (?:where|when|who|if)|"
          r"(?:a )?safe (?:way|address|number|time) to (?:contact|reach|write to|call) me|no way to tell you safely)\b"),
    _rule("child_at_risk", "a child may be at risk",
          r"\b(?:(?:child|children|kids?|baby|babies|toddler|little ones?|boy|girl)s? (?:(?:have been|has been|are|is|were|was|been) )?(?:left )?(?:alone|on (?:their|his|her) own|unsupervised|unattended)|"
          r"on their own in the (?:flat|house)|no adults? (?:anywhere|around|with (?:it|them|him|her))|child (?:at risk|protection|neglect)|safeguarding|(?:being|is|are) neglected|(?:hitting|beating|screaming at) (?:the|their|a) (?:child|kids?|baby)|"
          r"(?:child|kid|boy|girl) (?:gets?|got|will get|could get) (?:killed|hurt|hit|run over)|kids (?:are )?(?:climbing|playing) on (?:them|it)|"
          r"i'?m (?:1[3-7]|thirteen|fourteen|fifteen|sixteen|seventeen)\b|kicked out at (?:1[3-7]|fifteen|sixteen|seventeen)|"
          r"(?:little|young|small) (?:boy|girl|one|lad|child|kid)s?\b[^.|]{0,60}\b(?:on (?:his|her|their) own|alone|wandering|crying|can'?t find)|"
          r"(?:baby|babies|child|kids?)\b[^.|]{0,40}\b(?:crying all|been crying|on the floor|inside)|(?:toddler|child|kid|baby) could (?:fall|drop|get)|"
          r"(?:kids?|child(?:ren)?|toddlers?|pushchairs?|prams?)\b[^.|]{0,60}\b(?:riding through|climbing inside|shut in|playing (?:a few|next|near|on|under|underneath)|"
          r"wait under|run out between|nearly (?:got )?(?:hit|run over)))\b"),
    _rule("homeless_tonight", "has nowhere safe to sleep tonight",
          r"\b(?:sleep(?:s|ing)? (?:rough|on the streets?|outside|in (?:my|the|a|our|her|his) (?:car|van|tent|park|doorway)|at (?:the )?(?:bus|train|railway) station)|"
          r"nowhere to (?:sleep|stay|go|live) tonight|homeless (?:tonight|today|from today|now)|on the streets? tonight|"
          r"(?:evicted|kicked out|thrown out|locked out|told to leave) (?:today|tonight|this (?:morning|evening|afternoon)|now|and)|"
          r"just (?:got|been) evicted|street homeless|in a tent|"
          r"(?:got |have |has |with )?nowhere(?: at all)?(?: to (?:sleep|stay|go|live))?(?: from)? (?:tonight|today|tomorrow)|"
          r"(?:sleep(?:s|ing)?|slept|sheltering|curled up|been living)\b[^.|]{0,40}\b(?:rough|outside|doorway|woods|under (?:the|a)|behind (?:the|a)|car park|stairwell|car wash|bench|sleeping bag|on the floor)|"
          r"sleeping bag|(?:in|from) (?:my|the|our) car with|(?:be|get) out (?:by )?(?:today|tonight|tomorrow)|(?:have|has|had|told) to (?:leave|go|get out) (?:by )?(?:today|tonight|tomorrow)|leave the \w+(?: \w+)? tonight|"
          r"on the streets? (?:tomorrow|tonight)|somewhere (?:for (?:her|him|them|us|me) )?tonight|told to leave|"
          r"sleep(?:ing|s)? on (?:the )?(?:night )?bus(?:es)?|park bench for me)\b"),
    _rule("no_heat_vulnerable", "no heating, power or water for someone vulnerable",
          rf"{_NO_HEAT}[\s\S]{{0,300}}{_VULNERABLE}|{_VULNERABLE}[\s\S]{{0,300}}{_NO_HEAT}"),
    _rule("danger", "an immediate physical danger",
          r"\b(?:gas (?:leak|smell)|smell(?:s|ing)? (?:of )?(?:gas|burning)|burning smell|live wires?|could be live|exposed (?:wires|cables)|wires? hanging|hanging by (?:its|the) wires|"
          r"spark(?:ing|ed|s)|electrocut\w*|smoke alarm|fire alarm|fire exit\w*|on fire|carbon monoxide|"
          r"(?:about to|going to|could|might) (?:collapse|come down|fall (?:down|on|off))|could (?:go|come down) (?:any|at any)|dangerous (?:structure|building|wall|tree)|"
          r"(?:wall|roof|ceiling|chimney|stack|tree|branch|fence|scaffold\w*|hoarding|shop front)[^.|]{0,80}\b(?:collapsing|falling (?:down|off|over)|leaning (?:right |badly )?over|swaying|bulging|rocking|tilting|hanging (?:off|by|over)|coming down|creaking)|"
          r"load[- ]bearing|wires?\b[^.|]{0,40}\b(?:buzz\w*|tangled)|gas (?:bottle|cylinder|canister)s?\b[^.|]{0,60}\b(?:hiss\w*|leak\w*|smell\w*|fire|pile|burning)|"
          r"went for (?:my|a|the|her|his|their) (?:little \w+|son|daughter|child|kid|girl|boy|baby|grandchild)|hissing|"
          r"needles? (?:all over|everywhere|scattered|in the (?:sand|grass|play))|propped up|sheer drop|manhole (?:cover )?(?:missing|open|off)|(?:used )?needles? (?:and|n|&) syringes?|syringes?|used needles?|needles? (?:in|on|left|lying)|uncapped|"
          r"flames|smoulder\w*|set fire|on fire|fire\b[^.|]{0,30}\bspread\w*|spreading to|wires? (?:down|hanging|exposed)|(?:fizz|flicker)\w* (?:n|and) (?:fizz|flicker)\w*|"
          r"(?:water|leak\w*)\b[^.|]{0,30}\bthr(?:ough|u) (?:the )?light|open hole|(?:drain|manhole) cover\b[^.|]{0,20}\bmissing|missing (?:drain|manhole) cover|"
          r"crush at|barriers? (?:are |is )?bending|(?:bricks?|glass|debris|poles?|branch(?:es)?|panels?|balcony|stones?|tiles?)\b[^.|]{0,50}\b(?:falling|dropping|coming down|hanging off|given way|swinging)|"
          r"missed (?:him|her|me|a \w+|someone) by (?:inches|a foot|a metre|a yard)|leaning (?:right |badly )?(?:over|out)|bowing|bowed|given way|slid into|"
          r"collapsing|(?:has|have|'s|is|lad|man|woman|boy|girl|floor) collapsed|blown over|swing(?:s|ing)? (?:loose|in the wind)|bolts (?:have been |were )?(?:pulled|taken) out|split right down|"
          r"(?:went|fell|gone) flat on|cracks? (?:their|his|her) head|nearly (?:got )?(?:hit|run over)|breaks? (?:a|their|his|her) (?:leg|neck|arm)|"
          r"asbestos\b[^|]{0,300}\b(?:kids|children|little ones|den|playing|breath\w*)|(?:kids|children|little ones)\b[^|]{0,200}\basbestos|"
          r"sink ?hole|hole has opened|"
          r"(?:stung|bitten|bites?)\b[^.|]{0,40}\b(?:times|hand|leg|arm|face|allergic|hospital)|bit (?:my|a|her|his|the) (?:son|daughter|child|kid|boy|girl|leg|hand|arm|face)|epipen|anaphyla\w*|dangerous dog)\b"),
    _rule("welfare", "someone may be unwell and alone",
          r"\b(?:not (?:seen|heard from) (?:him|her|them) (?:for|since)|check on (?:the|my|an|our) (?:old|elderly|neighbour)|post (?:is )?piling up|"
          r"(?:collapsed|fallen) and can'?t get up|lying on the floor|"
          r"(?:hasn'?t|haven'?t|has not|have not|not) been seen (?:since|for)|haven'?t seen (?:the|her|him|them) \w*\s*(?:go|since)|curtains (?:haven'?t|have not|not) (?:moved|been opened)|"
          r"milk'?s? (?:is )?(?:still )?on the step|on the floor (?:since|for)|(?:couldn'?t|can'?t|cannot) (?:lift|get) (?:her|him) (?:out|up)|"
          r"(?:had|has had) (?:two|2|three|3|several|a few) falls|fallen twice|falls? (?:this|last) (?:week|month)|run out of (?:his|her|my|their) (?:insulin|tablets|medication|meds)|(?:no|without) (?:my |his |her )?insulin|"
          r"no food (?:since|for|in)|not much food|(?:not|haven'?t|hasn'?t) been eating|can'?t get up|stuck in bed|"
          r"(?:not|haven'?t|hasn'?t|has not|have not) (?:ate|eaten) (?:since|for|in)|legs (?:have )?(?:gone|given (?:up|out|way))|"
          r"(?:nobody|no ?one|no-one) (?:comes|visits|calls) (?:now|any ?more)|(?:hardly|barely) eat(?:ing|s)?\b|stopped taking (?:my|his|her|their) (?:tablets|medication|meds|insulin)|"
          r"(?:she|he|mum|dad|nan|gran|grandad) was (?:lying )?on the floor|pull ?cord|(?:not|hasn'?t|has not|never) come home|"
          r"(?:her|his|their) phone'?s? (?:off|dead|going straight to)|in (?:his|her) pyjamas|doesn'?t know what day|not responding much|unresponsive|(?:i'?m|im|i am|we'?re|she'?s|he'?s) (?:stuck|trapped) (?:in|inside)(?: (?:the|my|our|her|his) (?:flat|house|home|room|bedroom|bathroom|lift))?(?=\s*[.!,|]|$)|can barely (?:talk|breathe)|isn'?t moving|(?:struggling|fighting) (?:to|for) breath\w*|can'?t breathe|couldn'?t breathe|"
          r"(?:called|rang|ringing|phoned) 999|999 (?:called|rung)|refusing to let anyone in|not coping|isn'?t coping|below (?:zero|freezing)|minus (?:\d+|two|three|four|five))\b"),
)


@dataclass(frozen=True)
class Hit:
    rule: str
    description: str
    text: str


def find(rules: tuple[Rule, ...], text: str, possible: Container[int] | None = None) -> list[Hit]:
    """Every rule that matches `text`, which must be lower-cased (see `_rule`). Given
    `possible` (`Prefilter.possible`: pattern ids), rules whose pattern is not in it are
    skipped: they cannot match."""
    hits = []
    for rule in rules:
        if possible is not None and id(rule.pattern) not in possible:
            continue
        match = rule.pattern.search(text)
        if match:
            hits.append(Hit(rule.name, rule.description, match.group(0)))
    return hits


def find_urgent(text: str, possible: Container[int] | None = None) -> list[Hit]:
    """Every safeguarding rule that matches `text` (lower-cased). Nine contacts in ten trip
    none; the prefilter's one scan tells which, where an alternation of all of them cost
    more than trying each rule in turn."""
    return find(URGENT, text, possible)


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
