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
    (r"bi ?polar|manic|mania", "bipolar"),
    (r"personality|bpd|eupd|borderline", "personality_disorder"),
    (r"eating|anorexi|bulimi|binge", "eating_disorder"),
    (r"(severe|serious|major|really bad|clinical) dep+re?s+", "severe_depression"),
    (r"rehab", "mh_rehabilitation"),
    (r"complex|ptsd|trauma|ocd|obsessive", "complex_mental_health"),
    (r"anxi|anxeit|axiet|anxit|panic|stress|worr|nerv|phobia", "anxiety"),
    (r"dep+re?s+|low mood|feeling low|down a lot", "depression"),
    (r"physical|\bbad back|back pain|\bmy back\b|\bback (problem|issue|injur)|"
     r"\bbad (knee|hip|leg|arm)s?\b|\bpain\b|arthritis|diabet|disab|\bheart\b|asthma|"
     r"\bms\b|sclerosis|epilep|wheelchair|injur|fatigue|long covid|cancer|copd|fibromyalgia|illness|condition",
     "physical_health"),
]
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
