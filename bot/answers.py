"""Reading people's answers: free text ("I'm 34", "not really", "s1 2ab") into fact values.

Each ``read_*`` returns the clean value, or None when the answer cannot be read. The form
validators (bot.actions) use these; nothing here knows about Rasa or HTTP.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from rules import InvalidPostcode, parse_postcode

YES_INTENTS = {"affirm"}
NO_INTENTS = {"deny"}
_YES_WORDS = {
    "yes", "yeah", "yep", "yup", "y", "ya", "yea", "aye", "ok", "okay", "sure", "definitely", "correct",
    "right", "absolutely", "course", "i do", "i am", "i have", "true", "please", "yess", "yah", "yas",
}
_NO_WORDS = {
    "no", "nope", "nah", "n", "na", "never", "not", "dont", "do not", "im not", "i am not", "none", "noo",
    "false", "not really", "no thanks", "no thank you", "i dont", "i havent", "havent", "nothing",
}
UNSURE_PATTERN = re.compile(
    r"\b(not sure|unsure|dont know|don't know|do not know|dunno|idk|no idea|not certain|cant remember|can't remember|"
    r"maybe|skip|pass|rather not|prefer not|no clue|not a clue|havent a clue|haven't a clue|n/a)(\b|$)",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    text = (text or "").lower().replace("\u2019", "'").replace("'", "")
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9+ ]", " ", text)).strip()


def is_unsure(text: str, intent: str | None = None) -> bool:
    """True when the person says they do not know or would rather not say."""
    return intent == "dont_know" or bool(UNSURE_PATTERN.search((text or "").replace("\u2019", "'")))


def read_yes_no(value: Any, intent: str | None = None, hints: list[tuple[str, bool]] | None = None) -> bool | None:
    """A yes or no answer, from a boolean, an intent, or words.

    ``hints`` are (pattern, answer) pairs for answers that say yes or no without the word, like
    "I'm a UK citizen" to "are you allowed to work in the UK?"; they count after plain yes/no words
    and before the intent."""
    if isinstance(value, bool):
        return value
    text = normalise(str(value or ""))
    if text in _YES_WORDS:
        return True
    if text in _NO_WORDS:
        return False
    words = text.split()
    if words and (words[0] in {"no", "nope", "nah", "never", "not"} or text.startswith(("i dont", "im not", "i am not",
                                                                                           "i havent", "not really"))):
        return False
    if words and words[0] in {"yes", "yeah", "yep", "yup", "aye", "sure", "ok", "okay", "definitely", "absolutely"}:
        return True
    for pattern, answer in hints or []:
        if re.search(pattern, text):
            return answer
    if intent in YES_INTENTS:
        return True
    if intent in NO_INTENTS:
        return False
    return None


def read_age(value: Any) -> int | None:
    """An age in years from 0 to 120: "34", "I'm 34", "34 years old"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = int(value)
        return number if 0 <= number <= 120 and number == value else None
    numbers = re.findall(r"\d+", str(value or ""))
    if len(numbers) != 1:
        words = _WORD_NUMBERS.get(normalise(str(value or "")).replace("im ", "").replace(" years old", ""))
        return words
    number = int(numbers[0])
    return number if 0 <= number <= 120 else None


_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_WORD_NUMBERS = {name: n for name, n in {**_TENS, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}.items()}
_WORD_NUMBERS.update({f"{t} {u}": tv + uv for t, tv in _TENS.items() for u, uv in _UNITS.items()})


POSTCODE_PATTERN = re.compile(r"\b([A-Za-z]{1,2}[0-9][A-Za-z0-9]?)\s*([0-9][A-Za-z]{2})\b")


def read_postcode(value: Any) -> str | None:
    """A full UK postcode anywhere in the answer, normalised ("s12ab" -> "S1 2AB")."""
    text = str(value or "")
    candidates = [f"{m.group(1)} {m.group(2)}" for m in POSTCODE_PATTERN.finditer(text)] or [text.strip()]
    for candidate in candidates:
        try:
            return str(parse_postcode(candidate))
        except (InvalidPostcode, ValueError):
            continue
    return None


CONDITION_WORDS: list[tuple[str, str]] = [
    (r"schi?t?zo|skitzo|shizo|psychos|psycos|psychotic|hear(ing)? voices|paranoi|delusion", "psychosis"),
    (r"bi ?-?p[oa]l[ae]r|bipolor|bi ?pola\b|manic|mania", "bipolar"),
    (r"personality|bpd|eupd|borderline", "personality_disorder"),
    (r"eating|anorexi|bulimi|binge", "eating_disorder"),
    # Not "clinical depression": everyday words for depression, not the SMI cohort's severe depression
    # (DOMAIN.md "Corrections to the rules").
    (r"(severe|serious|major|really bad) dep+re?s+", "severe_depression"),
    (r"rehab", "mh_rehabilitation"),
    (r"complex|ptsd|trauma|ocd|obsessive", "complex_mental_health"),
    (r"anxi|anxeit|axiet|anxit|panic|stress|worr|nerv|phobia", "anxiety"),
    (r"dep+re?s+|low mood|feeling low|down a lot", "depression"),
    (r"physical|\bbad back|back pain|\bmy back\b|\bback (problem|issue|injur)|"
     r"\bbad (knee|hip|leg|arm)s?\b|\bpain\b|arthritis|diabet|disab|\bheart\b|asthma|"
     r"\bms\b|sclerosis|epilep|wheelchair|injur|fatigue|long covid|cancer|copd|fibromyalgia|illness|condition",
     "physical_health"),
]
# Not on the list by name, and not guessed (none of the pathways is for them as such): the person is told
# how to answer instead ("utter_conditions_neurodevelopmental").
NEURODEVELOPMENTAL = re.compile(r"autis|asperger|\basd\b|\badhd\b|dyslexi|dyspraxi|learning (disabilit|difficult)|"
                                r"neuro ?diver|tourette")
_NONE_ANSWER = re.compile(r"^(none|none of these|nothing|no|nope|nah|no condition|no conditions|i dont have any|n a|na)$")
# "none really", "no health problems", "nothing like that", "i dont have any of those": none, when
# no condition is named (a named one wins: "no, just anxiety" is anxiety).
_NONE_LIKE = re.compile(r"^(none|nothing|no|nope|nah|not really)\b|\b(dont|do not) have (any|anything)\b|"
                        r"\bno (health )?(problems|issues|conditions)\b|\bim (fine|healthy|well)\b")


def read_conditions(value: Any, allowed: list[str]) -> list[str] | None:
    """A list of condition values from buttons (a list) or words ("anxiety and back pain")."""
    if isinstance(value, list):
        values = [str(v) for v in value]
        return values if values and all(v in allowed for v in values) else None
    if isinstance(value, str) and value in allowed:
        return [value]
    text = normalise(str(value or ""))
    if not text:
        return None
    if _NONE_ANSWER.match(text):
        return ["none"]
    found: list[str] = []
    for pattern, condition in CONDITION_WORDS:
        if re.search(pattern, text) and condition not in found:
            if condition == "depression" and "severe_depression" in found:
                continue
            if condition == "physical_health" and found and pattern and re.fullmatch(r".*\b(condition|illness)\b.*", text) \
                    and not re.search(r"physical|back|pain|arthritis|diabet|disab|heart|asthma|epilep|injur", text):
                continue
            found.append(condition)
    if not found and _NONE_LIKE.search(text):
        return ["none"]
    return found or None


TALKING_THERAPIES_WORDS = [
    (r"^(no|nope|nah|never)\b|\bnever (had|been|done)|\bnot had|(years|ages|long time) ago", "none"),
    (r"wait|referred|on the list|start soon|about to start", "waiting"),
    (r"finish|ended|discharged|last month|weeks ago|recently|used to|had it|had some|\bdid (it|iapt|cbt|some)|"
     r"done it|completed", "recently_discharged"),
    (r"\b(yes|yeah|yep|having|in therapy|seeing|currently|now|ongoing|i am|im on|go to)\b", "in_treatment"),
    (r"\b(no|nope|nah|never|not|none)\b", "none"),
]


def read_choice(value: Any, allowed: list[str], words: list[tuple[str, str]]) -> str | None:
    """One enum value, from a button value or from words matched in order."""
    if isinstance(value, str) and value in allowed:
        return value
    text = normalise(str(value or ""))
    if text.replace(" ", "_") in allowed:
        return text.replace(" ", "_")
    for pattern, choice in words:
        if re.search(pattern, text):
            return choice
    return None


# Yes without the word, for the questions that need it (read_yes_no's hints).
RIGHT_TO_WORK_HINTS = [
    (r"\b(no|not|cant|cannot)\b.*\b(allowed|permi|right)", False),
    (r"citizen|british|\bbritish|uk passport|\bborn (here|in)|\bfrom (the )?uk\b|\bfrom here\b|settled status|"
     r"indefinite leave|\bilr\b|right to work|allowed to work|work visa|work permit|visa (that )?(lets|allows)", True),
]
DRUG_ALCOHOL_TREATMENT_HINTS = [
    (r"\b(drugs?|alcohol|substance|recovery) (worker|service|team|nurse)|\bkey ?worker|methadone|subutex|"
     r"buprenorphine|espranor|\bscript\b|\bdetox\b|\bcgl\b|change grow live|turning point|\bwdp\b", True),
]
# DWP-funded employment programmes by name: "I'm on Restart" is a yes, never "start again".
DWP_PROGRAMME = re.compile(r"\brestart (scheme|programme|program)\b|\bon (the )?restart\b|work and health programme|"
                           r"\bwhp\b|intensive personali[sz]ed employment|\bipes\b|\bwork programme\b|"
                           r"\bpioneer\b|\bsupport into work\b")
DWP_PROGRAMME_HINTS = [(DWP_PROGRAMME.pattern, True)]


EMPLOYMENT_WORDS = [
    (r"off sick|signed off|sick leave|sick note|fit note|off work", "in_work_off_sick"),
    (r"\b(not working|unemployed|no job|out of work|lost my job|dont work|dont have a job|between jobs|looking)\b",
     "out_of_work"),
    (r"\b(no|nope|nah|not)\b", "out_of_work"),
    (r"\b(yes|yeah|yep|working|work|job|employed|part time|full time|self employed)\b", "in_work"),
]


# Ofcom's ranges reserved for drama and tests (07700 900xxx and friends): phonenumbers calls them
# invalid, but they are the only numbers synthetic test people may have, so we accept them.
_DRAMA_RANGES = re.compile(r"^(7700900\d{3}|1632960\d{3}|3069990\d{3}|(113|114|115|116|117|118|121|131|141|151|161)4960\d{3}|"
                           r"2079460\d{3}|1914980\d{3}|2890180\d{3}|2920180\d{3})$")


def _uk_number(number: phonenumbers.PhoneNumber) -> str | None:
    if number.country_code != 44:
        return None
    national = str(number.national_number)
    if (phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == "GB") \
            or _DRAMA_RANGES.match(national):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def read_phone(value: Any) -> str | None:
    """A UK phone number in E.164 form (+447700900123), from any common way of writing it."""
    text = str(value or "")[:200]
    compact = re.sub(r"[^\d+]", "", text)
    candidates = [compact] + re.findall(r"\+?\d[\d ()\-]{8,18}\d", text)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(re.sub(r"[^\d+]", "", candidate), "GB")
        except phonenumbers.NumberParseException:
            continue
        found = _uk_number(number)
        if found:
            return found
    return None


_NAME_PREFIX = re.compile(
    r"^(hi|hello|hey)?[, ]*(my name is|my names|my name's|name is|i'm|im|i am|it is|it's|its|call me|this is)\s+",
    re.IGNORECASE)
_NAME = re.compile(r"^[^\W\d_][^\W\d_'\-]*(?:['\-][^\W\d_]+)*$")


def read_first_name(value: Any) -> str | None:
    """A first name: "Sam", "my name is Sam", "I'm Mary-Jane"; letters, hyphens and apostrophes only."""
    text = str(value or "").strip().replace("\u2019", "'")
    text = _NAME_PREFIX.sub("", text).strip(" .!,")
    first = text.split()[0] if text.split() else ""
    if not first or len(first) > 40 or not _NAME.match(first):
        return None
    if first.lower() in {"yes", "no", "ok", "okay", "hello", "hi", "stop", "none", "not", "dont", "why", "what"}:
        return None
    return first[0].upper() + first[1:]


# -- facts volunteered in any message ("hi im 16 and i want a job") ---------------------------------

_VOLUNTEERED_AGE = re.compile(
    r"\b(?:i am|im|i m|aged|age|age is|my age is|she is|shes|she s|he is|hes|he s|they are|theyre|they re|"
    r"(?:son|daughter|child|kid|partner|husband|wife|brother|sister|friend) is)\s+(\d{1,3})\b"
    r"(?!\s*(?:%|percent|kids?|children|weeks?|months?|days?|"
    r"hours?|minutes?|mins?|times?|pounds?|quid|k\b|years? (?:ago|in|out|since|off|unemployed|sober|clean)|in |on |of |"
    r"out of|x\b))|\b(\d{1,3})\s*(?:years? old|yrs? old|yo|y o)\b")
# Only named conditions count when volunteered outside the question (not "worried", "stressed").
_VOLUNTEERED_CONDITIONS = [
    (r"schi?t?zo|skitzo|shizo|psychos|psycos|psychotic|hear(ing)? voices", "psychosis"),
    (r"bi ?-?p[oa]l[ae]r|bipolor|\bmanic depress", "bipolar"),
    (r"personality disorder|\bbpd\b|\beupd\b", "personality_disorder"),
    (r"eating disorder|anorexi|bulimi|binge eating", "eating_disorder"),
    (r"(severe|serious|major) dep+re?s+", "severe_depression"),
    (r"\bptsd\b|\bocd\b|complex (mental health|needs|trauma)", "complex_mental_health"),
    (r"\banxi|panic attacks|social anxiety", "anxiety"),
    (r"dep+re?s+ion|\bdepressed\b", "depression"),
    (r"back pain|bad back|arthritis|diabet|\bdisabled\b|disability|epilep|long covid|fibromyalgia|"
     r"multiple sclerosis|chronic (pain|fatigue)|physical (health|condition|disability)", "physical_health"),
]
_NEGATED = re.compile(r"\b(no|not|dont|do not|never|without|isnt|aint|havent)\b(\s+\w+){0,3}\s*$")
_SECONDARY_CARE = re.compile(r"community mental health team|\bcmht\b|early intervention|\beip\b|care co ?ordinator|"
                             r"\bpsychiatrist\b|secondary (mental health )?care|home treatment team|"
                             r"\bunder (the|a) mental health team|"
                             r"\bmy mental health team\b|\bcommunity team\b")
_TALKING_THERAPIES = re.compile(r"talking therap|\biapt\b|\bnhs therapy\b")
_EMPLOYMENT_VOLUNTEERED = [
    (r"\boff sick\b|signed off|sick leave|sick note|fit note", "in_work_off_sick"),
    (r"\b(not working|unemployed|out of work|lost my job|(dont|do not|dont) have a job|no job|between jobs|"
     r"made redundant|got sacked|got fired|havent worked)\b", "out_of_work"),
    (r"\b(i work|im working|i am working|i have a job|i ve got a job|ive got a job|im employed|i am employed|"
     r"keep my job|my boss|my employer|my manager|at work)\b", "in_work"),
]


def _named(pattern: str, text: str) -> bool:
    """The pattern names something the person has, not something they deny ("no psychosis")."""
    for match in re.finditer(pattern, text):
        if not _NEGATED.search(text[:match.start()]):
            return True
    return False


def volunteered_facts(value: Any) -> dict[str, Any]:
    """Facts said plainly in any message, asked or not: age, conditions (several at once), postcode,
    work, NHS Talking Therapies, a secondary mental health team, drug or alcohol treatment."""
    raw = str(value or "")[:500]
    text = normalise(raw)
    if not text or raw.lstrip().startswith("/"):
        return {}
    facts: dict[str, Any] = {}
    age = _VOLUNTEERED_AGE.search(text)
    if age:
        number = int(age.group(1) or age.group(2))
        if 5 <= number <= 120:
            facts["age"] = number
    conditions = [c for pattern, c in _VOLUNTEERED_CONDITIONS if _named(pattern, text)]
    if "severe_depression" in conditions and "depression" in conditions:
        conditions.remove("depression")
    if conditions:
        facts["conditions"] = list(dict.fromkeys(conditions))
    for match in POSTCODE_PATTERN.finditer(raw):
        postcode = read_postcode(f"{match.group(1)} {match.group(2)}")
        if postcode:
            facts["postcode"] = postcode
            break
    for pattern, status in _EMPLOYMENT_VOLUNTEERED:
        if _named(pattern, text):
            facts["employment_status"] = status
            break
    if _TALKING_THERAPIES.search(text):
        if re.search(r"\bwait|waiting list|referred|on the list|about to start", text):
            facts["talking_therapies"] = "waiting"
        elif re.search(r"finished|discharged|ended|completed|last (month|year)|used to", text):
            facts["talking_therapies"] = "recently_discharged"
        elif re.search(r"\b(im|i am|having|in|seeing|go to|going to|currently|started|doing|with|under)\b", text) \
                and not _NEGATED.search(text[:_TALKING_THERAPIES.search(text).start()]):
            facts["talking_therapies"] = "in_treatment"
    if _named(_SECONDARY_CARE.pattern, text) and not re.search(r"\b(no longer|used to|discharged from)\b", text):
        facts["in_secondary_mental_health_care"] = True
    for pattern, answer in DRUG_ALCOHOL_TREATMENT_HINTS:
        if answer and _named(pattern, text):
            facts["drug_alcohol_treatment"] = True
    return facts


YES_NO_FACTS = {
    "wants_paid_work": None, "right_to_work_uk": RIGHT_TO_WORK_HINTS, "drug_alcohol_treatment": DRUG_ALCOHOL_TREATMENT_HINTS,
    "substance_use": None, "other_dwp_employment_programme": DWP_PROGRAMME_HINTS, "registered_with_gp_in_area": None,
    "in_secondary_mental_health_care": [(_SECONDARY_CARE.pattern, True)], "consent_share_with_service": None,
    "consent_sms": None, "reached_state_pension_age": None,
}


def read_answer(slot: str, value: Any, allowed: list[str] | None = None, intent: str | None = None) -> Any:
    """The answer to the question about ``slot`` in ``value``, or None when it does not read as one.

    The same readers the form validators use; the dialogue uses it to put answers before commands."""
    if slot in YES_NO_FACTS:
        return read_yes_no(value, intent, YES_NO_FACTS[slot])
    if slot == "age":
        return read_age(value)
    if slot == "postcode":
        return read_postcode(value)
    if slot == "conditions":
        return read_conditions(value, allowed or [])
    if slot == "talking_therapies":
        return read_choice(value, allowed or [], TALKING_THERAPIES_WORDS)
    if slot == "employment_status":
        return read_choice(value, allowed or [], EMPLOYMENT_WORDS)
    if slot == "first_name":
        return read_first_name(value)
    if slot == "phone":
        return read_phone(value)
    return None


def is_mobile(phone: str | None) -> bool:
    """A UK mobile (07…; +447…): the only numbers we offer texts to."""
    return bool(phone) and str(phone).startswith("+447")


# -- the questions people ask (answered at any point, then the question asked before is asked again) --

FAQ_TOPICS: list[tuple[str, re.Pattern[str]]] = [
    ("someone_else", re.compile(r"\b(for|about|asking for|on behalf of|help) my (son|daughter|child|kid|boy|girl|partner|husband|"
                                r"wife|friend|brother|sister|mum|mom|dad|mother|father|relative|client|patient)\b|"
                                r"\bmy (son|daughter|child|partner|husband|wife|brother|sister) (has|is|needs|wants)\b|"
                                r"\b(for|on behalf of) (someone|somebody) else\b|\bon (their|his|her) behalf\b")),
    ("cost", re.compile(r"\b(cost|costs|pay for|have to pay|is it free|free of charge|charge|how much (is it|"
                        r"does it)|fees?|price)\b")),
    # "How long will this take?" is about these questions; "how long does it last?" about the support.
    ("chat_length", re.compile(r"\bhow long (will|does|is) (this|the chat|these questions|the questions)( going to)? take\b|"
                               r"\bhow (long|many) (are )?(the )?questions\b")),
    ("length", re.compile(r"\bhow long (does|will|is|do)\b(?!.*\b(chat|questions|take to answer)\b)|"
                          r"\bhow many (weeks|months|sessions)\b|"
                          r"\b(time limit|how long can i)\b")),
    ("benefits", re.compile(r"\bbenefit|universal credit|\buc\b|\bpip\b|\besa\b|\blo+se my (money|benefits)\b")),
    ("confidential", re.compile(r"\bconfidential|\bprivate\b|\bprivacy\b|who (will|can) (see|know|read)|"
                                r"\b(what happens to|who (gets|sees|has)|do you (keep|store|share|sell)|where does) my "
                                r"(data|details|information|info|answers)\b|\bdata protection\b|\bgdpr\b|"
                                r"(will|would) my (employer|boss|manager|work) (know|find out|be told)|tell my (employer|boss)")),
    ("ips", re.compile(r"\bwhat (is|s|does) (ips|an? employment specialist|individual placement)\b|"
                       r"\bwhat does ips (mean|stand for)\b")),
    ("why", re.compile(r"^(but )?(why|why not|how come|why cant i|why am i not|why not me|why is that|why no)\b")),
    ("what_next", re.compile(r"\b(what (do|should|can) i do now|what now|what happens (next|now)|so what now|now what|"
                             r"what do i do next|where do i go from here)\b")),
]


def faq_topic(value: Any) -> str | None:
    """The question a message asks, by topic, or None."""
    text = normalise(str(value or ""))
    if not text or str(value).lstrip().startswith("/"):
        return None
    for topic, pattern in FAQ_TOPICS:
        if pattern.search(text):
            return topic
    return None


_WANTS_WORK = re.compile(r"\b(want|wanna|looking for|look for|need|find|get|help (me )?(to )?(find|get|keep)|keep|stay in|"
                         r"back (in|into|to))\b.{0,30}\b(job|work|employment)\b")


def wants_work(value: Any) -> bool:
    """The message says the person wants a job or to keep one ("I have bipolar. I want a job")."""
    return bool(_WANTS_WORK.search(normalise(str(value or ""))))
