"""The reviewable lexicon: risk expressions (risk_phrases.yml) and idioms that are not risk (idioms.yml).

The phrase syntax is described at the top of risk_phrases.yml. Loading is strict: a phrase that does
not parse, an unknown level or an empty category stops the load with the file and the phrase named,
because a lexicon that silently lost a phrase would be a missed crisis waiting to happen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

from .normalise import BREAK, Spellings, default_spellings, is_number, normalise

PHRASES_FILE = Path(__file__).with_name("risk_phrases.yml")
IDIOMS_FILE = Path(__file__).with_name("idioms.yml")

URGENT, CHECK = "urgent", "check"
LEVELS = (URGENT, CHECK)
# Words that may sit between the words of a phrase without changing its meaning
# ("i want to just die", "kill my own self", "i am so fucking done with life").
FILLERS = frozenset("""just really so fucking fking fkin effing bloody literally actually honestly seriously totally
    like kind of very badly simply genuinely maybe probably definitely even proper well all sometimes often always
    still now already also too truly lowkey deffo def own properly completely absolutely right quite pretty
    feel feeling seriously wanna honestly srsly sorta""".split())
MAX_FILLERS = 2
MAX_ANY_GAP = 4
# A negation right before an urgent phrase ("i am not going to kill myself") makes it a `check`:
# we still ask. Only these words may stand between the negation and the phrase, so "i do not know,
# i want to die" or "i can not cope i want to die" stay urgent.
NEGATORS = frozenset({"not", "never"})
NEGATION_BRIDGE = frozenset("""going to want would will be ever actually plan planning intend intending thinking of
    about i am trying try do that a the gonna really""".split())
NEGATION_WINDOW = 4
# libyaml's C safe loader when available: the same result, parsed much faster at start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
QUESTIONS = frozenset({"why", "how", "what"})
# Everyday words one typo away from a risk word: typo tolerance must never read them as it
# ("overdoing" is not "overdose", "strange" is not "strangle", "prison" is not "poison", "hunting" is not
# "hurting"). They still match a phrase that spells them out exactly. Found by running every word of the
# train/dev messages, the assistant's examples, the rules and the guidance through the fuzzy matcher.
REAL_WORDS = frozenset("""overdo overdoing overdone overdid overdue overdraft overdrawn strange stranger
    strangers strangely strongly prison prisons hunting hunted homeless better breach breaking brother cancer checked
    college drowned drowning handed handing haven hiring intensity intrusive killer latter leading locked locking
    manage managed prescriptive saving saying setting shared stated staying store stored stores tables waiting wasted
    worker research researchers searches google reaches update updates noting though thinks taking talking tracking
    trainer trainers batter bother deadline deadlines overtime hangover hangovers therapist endless lifetime lifestyle
    lifeline weekend weekends nowhere everyone everything something someone anyone anything without
    painkiller painkillers""".split())
# Run-together words ("wannakillmyself", "IwantToDie" typed in lower case) are split into known words when the
# whole token can be read as two to five of them; a token that is itself a known word is left alone.
MIN_SPLIT_LENGTH = 7
MAX_SPLIT_PARTS = 5
_SHORT_PARTS = frozenset({"i", "u", "2", "4", "me", "my", "it", "to", "go", "be", "im", "do", "of", "in", "on", "up", "so",
                          "no", "ok", "x"})
# A short message cut into pieces by punctuation ("tonight. pills. whisky. sorted.") is also read as one sentence.
SHORT_MESSAGE_WORDS = 16
_ALTERNATIVES = re.compile(r"\(([^()]*)\)")
_DIGIT_WORD = re.compile(r"[a-z][24][a-z]")


class LexiconError(ValueError):
    """A lexicon file that cannot be used as written."""


@dataclass(frozen=True)
class LexiconMatch:
    """What the lexicon found: its level, category and the phrase (as written in the YAML)."""

    level: str
    category: str
    phrase: str
    negated: bool = False


@dataclass(frozen=True, eq=False)
class _Word:
    text: str
    stem: bool = False
    number: bool = False
    exact: bool = False  # idioms: no typo tolerance, so an idiom never hides more than its own words

    def matches(self, token: str) -> bool:
        return _word_matches(self, token)


@cache
def _word(text: str, stem: bool = False, number: bool = False, exact: bool = False) -> _Word:
    # One object per distinct word, so words compare and hash by identity (fast) yet stay shared.
    return _Word(text, stem, number, exact)


@dataclass(frozen=True)
class _Slot:
    alternatives: tuple[tuple[_Word, ...], ...]
    gap_before: str  # "filler" or "any"


@dataclass(frozen=True)
class _Pattern:
    level: str
    category: str
    text: str
    slots: tuple[_Slot, ...]
    anchored_end: bool


def _parse(phrase: str, level: str, category: str, spellings: Spellings, source: str, exact: bool = False) -> _Pattern:
    text = str(phrase).strip()
    anchored = text.endswith("$")
    if anchored:
        text = text[:-1].strip()
    # Protect groups so their inner spaces survive the split.
    groups: list[str] = []

    def _hold(m: re.Match) -> str:
        groups.append(m.group(1))
        return f" \x00{len(groups) - 1} "

    held = _ALTERNATIVES.sub(_hold, text)
    if "(" in held or ")" in held:
        raise LexiconError(f"{source}: unbalanced brackets in {phrase!r}")
    slots: list[_Slot] = []
    gap = "filler"
    for part in held.split():
        if part == "...":
            if not slots:
                raise LexiconError(f"{source}: {phrase!r} may not start with ...")
            gap = "any"
            continue
        if part.startswith("\x00"):
            options = groups[int(part[1:])].split("|")
        else:
            options = [part]
        alternatives = tuple(_words(option, spellings, source, phrase, exact) for option in options)
        slots.append(_Slot(alternatives, gap))
        gap = "filler"
    if not slots or all(alt == () for alt in slots[0].alternatives):
        raise LexiconError(f"{source}: {phrase!r} has no words")
    if gap == "any":
        raise LexiconError(f"{source}: {phrase!r} may not end with ...")
    return _Pattern(level, category, str(phrase).strip(), tuple(slots), anchored)


def _words(option: str, spellings: Spellings, source: str, phrase: str, exact: bool = False) -> tuple[_Word, ...]:
    words: list[_Word] = []
    for raw in option.split():
        if raw == "<number>":
            words.append(_word("<number>", number=True))
            continue
        stem = raw.endswith("*")
        core = raw[:-1] if stem else raw
        if not re.fullmatch(r"[a-z0-9']+", core):
            raise LexiconError(f"{source}: {raw!r} in {phrase!r} is not a word (lower case letters and digits)")
        tokens = [t for t in normalise(core, spellings) if t != BREAK]
        if stem:
            # A stem is matched as typed: mapping "kill*" through the spellings table would change it.
            words.append(_word(core.replace("'", ""), stem=True, exact=exact))
        else:
            words.extend(_word(t, exact=exact) for t in tokens)
    return tuple(words)


def _word_matches(word: _Word, token: str) -> bool:
    if token == BREAK:
        return False
    if word.number:
        return is_number(token)
    if word.stem:
        stem = word.text
        if token.startswith(stem):
            return True
        if word.exact or token in REAL_WORDS or len(stem) < 6 or token[:1] != stem[:1]:
            return False
        allowed = 1 if len(stem) < 9 else 2
        return any(_distance(stem, token[:size]) <= allowed
                   for size in (len(stem), len(stem) + 1) if size <= len(token))
    if token == word.text:
        return True
    if word.exact or token in REAL_WORDS:
        return False
    # One typo in a long word (two in a very long one), never in the first letter: short words
    # ("pills" / "bills", "hurt" / "hunt") would match too many everyday words.
    if len(word.text) < 6 or token[:1] != word.text[:1]:
        return False
    allowed = 1 if len(word.text) < 9 else 2
    if abs(len(word.text) - len(token)) > allowed:
        return False
    return _distance(word.text, token) <= allowed


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): a swap of two letters is one typo."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


class _Vocabulary:
    """Every word the patterns use, and which of them each token matches (cached per token)."""

    CACHE_LIMIT = 50_000

    def __init__(self, patterns: list[_Pattern]):
        words = {word for pattern in patterns for slot in pattern.slots for alternative in slot.alternatives
                 for word in alternative}
        self.exact: dict[str, set[_Word]] = {}
        self.fuzzy: list[_Word] = []
        for word in words:
            if word.number or word.stem or (len(word.text) >= 6 and not word.exact):
                self.fuzzy.append(word)
            else:
                self.exact.setdefault(word.text, set()).add(word)
        self._cache: dict[str, frozenset[_Word]] = {}

    def words_matching(self, token: str) -> frozenset[_Word]:
        hit = self._cache.get(token)
        if hit is None:
            found = set(self.exact.get(token, ()))
            found.update(word for word in self.fuzzy
                         if (word.number or word.text[:1] == token[:1]) and _word_matches(word, token))
            hit = frozenset(found)
            if len(self._cache) >= self.CACHE_LIMIT:
                self._cache.clear()
            self._cache[token] = hit
        return hit


class _FirstWordIndex:
    """Patterns by the words their first slot can start with: a message is matched only against
    the patterns whose first word it contains (in file order, so the first listed wins a tie)."""

    def __init__(self, patterns: list[_Pattern]):
        self.patterns = patterns
        self.by_word: dict[_Word, list[int]] = {}
        self.always: list[int] = []
        for index, pattern in enumerate(patterns):
            firsts = {alternative[0] for alternative in pattern.slots[0].alternatives if alternative}
            if any(not alternative for alternative in pattern.slots[0].alternatives):
                self.always.append(index)
            for word in firsts:
                self.by_word.setdefault(word, []).append(index)

    def candidates(self, present: set[_Word]) -> list[_Pattern]:
        indices = set(self.always)
        for word in present:
            indices.update(self.by_word.get(word, ()))
        return [self.patterns[i] for i in sorted(indices)]


class _Matcher:
    """One message's tokens, with the idiom-covered ones masked, matched against patterns."""

    def __init__(self, tokens: list[str], vocabulary: _Vocabulary, masked: set[int] | None = None):
        self.tokens = tokens
        self.masked = masked or set()
        self.matches = [vocabulary.words_matching(token) for token in tokens]
        self.present: set[_Word] = set().union(*self.matches) if self.matches else set()

    def word_at(self, word: _Word, i: int) -> bool:
        return word in self.matches[i] and i not in self.masked

    def may_match(self, pattern: _Pattern) -> bool:
        """A quick test: can the pattern's first words be found in the message at all?"""
        return any(not alternative or alternative[0] in self.present for alternative in pattern.slots[0].alternatives)

    def find(self, pattern: _Pattern, contiguous: bool = False) -> list[tuple[int, int]]:
        """Every (start, end) span where the pattern matches (ends exclusive)."""
        spans: list[tuple[int, int]] = []
        firsts = {alternative[0] for alternative in pattern.slots[0].alternatives if alternative}
        if all(pattern.slots[0].alternatives):  # no optional first slot: start only where a first word is
            starts = [i for i, words in enumerate(self.matches) if i not in self.masked and not firsts.isdisjoint(words)]
        else:
            starts = range(len(self.tokens))
        for start in starts:
            end = self._slot(pattern, 0, start, contiguous)
            if end is not None:
                spans.append((start, end))
        return spans

    def _slot(self, pattern: _Pattern, k: int, pos: int, contiguous: bool) -> int | None:
        if k == len(pattern.slots):
            return pos if not pattern.anchored_end or self._at_end(pos) else None
        slot = pattern.slots[k]
        for alternative in slot.alternatives:
            end = self._words(alternative, pos)
            if end is None:
                continue
            if k + 1 == len(pattern.slots):
                result = self._slot(pattern, k + 1, end, contiguous)
                if result is not None:
                    return result
                continue
            for next_pos in self._gap_positions(pattern.slots[k + 1].gap_before, end, contiguous):
                result = self._slot(pattern, k + 1, next_pos, contiguous)
                if result is not None:
                    return result
        return None

    def _words(self, words: tuple[_Word, ...], pos: int) -> int | None:
        if pos + len(words) > len(self.tokens):
            return None
        for offset, word in enumerate(words):
            if not self.word_at(word, pos + offset):
                return None
        return pos + len(words)

    def _gap_positions(self, gap: str, pos: int, contiguous: bool):
        yield pos
        if contiguous:
            return
        limit = MAX_ANY_GAP if gap == "any" else MAX_FILLERS
        for skipped in range(1, limit + 1):
            i = pos + skipped - 1
            if i >= len(self.tokens) or self.tokens[i] == BREAK:
                return
            if gap == "filler" and self.tokens[i] not in FILLERS:
                return
            yield pos + skipped

    def _at_end(self, pos: int) -> bool:
        for i in range(pos, len(self.tokens)):
            if self.tokens[i] == BREAK:
                return True
            if self.tokens[i] not in FILLERS and self.tokens[i] not in _TRAILERS:
                return False
        return True

    def negated(self, start: int) -> bool:
        for back in range(1, NEGATION_WINDOW + 1):
            i = start - back
            if i < 0 or self.tokens[i] == BREAK:
                return False
            if self.tokens[i] in NEGATORS:
                # "why should not i just kill myself" asks, it does not deny.
                return not any(self.tokens[j] in QUESTIONS for j in range(max(0, i - 3), i))
            if self.tokens[i] not in NEGATION_BRIDGE and self.tokens[i] not in FILLERS:
                return False
        return False


# Words that may follow a phrase that must end its sentence ("i cant go on anymore lol x").
_TRAILERS = frozenset("anymore any more now today tonight lol x xx xxx please pls help tbh to be honest right".split())


class Lexicon:
    """The compiled risk phrases and idioms."""

    def __init__(self, phrases: dict, idioms: dict, spellings: Spellings | None = None):
        spellings = spellings or default_spellings()
        self.spellings = spellings
        self.patterns: list[_Pattern] = []
        unknown = set(phrases or {}) - set(LEVELS)
        if unknown:
            raise LexiconError(f"risk_phrases.yml: unknown level(s) {sorted(unknown)}; use {list(LEVELS)}")
        for level in LEVELS:
            for category, items in ((phrases or {}).get(level) or {}).items():
                if not items:
                    raise LexiconError(f"risk_phrases.yml: {level}.{category} has no phrases")
                for phrase in items:
                    self.patterns.append(_parse(phrase, level, str(category), spellings, f"risk_phrases.yml {level}.{category}"))
        unknown = set(idioms or {}) - {"idioms", "check_only"}
        if unknown:
            raise LexiconError(f"idioms.yml: unknown section(s) {sorted(unknown)}; use idioms and check_only")
        self.idioms = [_parse(p, "none", "idiom", spellings, "idioms.yml", exact=True)
                       for p in (idioms or {}).get("idioms") or []]
        if not self.idioms:
            raise LexiconError("idioms.yml: no idioms")
        self.check_only = [_parse(p, CHECK, "context", spellings, "idioms.yml check_only")
                           for p in (idioms or {}).get("check_only") or []]
        self.vocabulary = _Vocabulary(self.patterns + self.idioms + self.check_only)
        self._risk_index = _FirstWordIndex(self.patterns)
        # The words a run-together token may be split into: the lexicon's own words, the spellings table's
        # one-word variants and canonical words, fillers and a few short words.
        self._known = ({w for w in self.vocabulary.exact} | {w.text for w in self.vocabulary.fuzzy if not w.number}
                       | {k[0] for k in spellings.table if len(k) == 1} | {w for t in spellings.table.values() for w in t}
                       | set(FILLERS) | set(_SHORT_PARTS)
                       | {"want", "going", "die", "dead", "end", "life", "kill", "myself"}) - {BREAK}
        self._idiom_index = _FirstWordIndex(self.idioms)

    def categories(self) -> dict[str, set[str]]:
        """Level -> the categories it has."""
        out: dict[str, set[str]] = {level: set() for level in LEVELS}
        for pattern in self.patterns:
            out[pattern.level].add(pattern.category)
        return out

    def idiom_mask(self, tokens: list[str]) -> set[int]:
        """The positions of the words that idioms cover."""
        matcher = _Matcher(tokens, self.vocabulary)
        masked: set[int] = set()
        for idiom in self._idiom_index.candidates(matcher.present):
            for start, end in matcher.find(idiom, contiguous=True):
                masked.update(range(start, end))
        return masked

    def match_tokens(self, tokens: list[str]) -> LexiconMatch | None:
        """The most serious match in already-normalised tokens, or None."""
        if not tokens:
            return None
        matcher = _Matcher(tokens, self.vocabulary, self.idiom_mask(tokens))
        context = [span for pattern in self.check_only for span in _Matcher(tokens, self.vocabulary).find(pattern)]
        best: LexiconMatch | None = None
        for pattern in self._risk_index.candidates(matcher.present):
            spans = matcher.find(pattern)
            if not spans:
                continue
            # Urgent becomes check when every place it matched is negated ("i am not going to kill myself")
            # or inside a check_only phrase ("my brother died by suicide").
            negated = pattern.level == URGENT and all(
                matcher.negated(start) or any(cs <= start and end <= ce for cs, ce in context) for start, end in spans)
            level = CHECK if negated else pattern.level
            found = LexiconMatch(level, pattern.category, pattern.text, negated)
            if level == URGENT:
                return found
            # A plain check outranks a negated urgent: "i'm not suicidal but what's the point in living".
            if best is None or (best.negated and not found.negated):
                best = found
        return best

    def match(self, text: str | None) -> LexiconMatch | None:
        """The most serious risk expression in ``text`` (urgent before check), or None.

        Run-together words are split first ("wannakillmyself"); a short message chopped up by punctuation
        ("got the pills, got the vodka, done") is read both as written and as one sentence."""
        tokens = self.split_run_together(normalise(text, self.spellings))
        found = self.match_tokens(tokens)
        if found is not None and found.level == URGENT and not found.negated:
            return found
        words = [t for t in tokens if t != BREAK]
        if len(words) < len(tokens) and len(words) <= SHORT_MESSAGE_WORDS:
            joined = self.match_tokens(words)
            if joined is not None and (found is None or _more_serious(joined, found)):
                return joined
        return found

    def split_run_together(self, tokens: list[str]) -> list[str]:
        """Tokens with run-together words split into known words ("killmyself" -> "kill myself")."""
        if not any(len(t) >= MIN_SPLIT_LENGTH for t in tokens):
            return tokens
        out: list[str] = []
        for token in tokens:
            parts = self._segment(token) if self._splittable(token) else None
            out.extend(self.spellings.apply(list(parts)) if parts else [token])
        return out

    def _splittable(self, token: str) -> bool:
        # Only a long token no phrase word reads already ("wanting" is "want*", "collecting" is "collect*").
        # A "2" or "4" between letters is a word of its own ("want2die"), whatever the word before it reads as.
        return (len(token) >= MIN_SPLIT_LENGTH and token not in self._known and token not in REAL_WORDS
                and (not self.vocabulary.words_matching(token) or _DIGIT_WORD.search(token) is not None))

    def _segment(self, token: str) -> tuple[str, ...] | None:
        # Fewest parts first: best[i] is the shortest reading of token[:i] as known words.
        best: list[tuple[str, ...] | None] = [()] + [None] * len(token)
        for end in range(1, len(token) + 1):
            for start in range(max(0, end - 16), end):
                head, part = best[start], token[start:end]
                if head is None or len(head) >= MAX_SPLIT_PARTS or part not in self._known:
                    continue
                if len(part) < 3 and part not in _SHORT_PARTS:
                    continue
                if best[end] is None or len(head) + 1 < len(best[end]):
                    best[end] = (*head, part)
        parts = best[len(token)]
        return parts if parts and len(parts) >= 2 else None


def load_lexicon(phrases_file: Path = PHRASES_FILE, idioms_file: Path = IDIOMS_FILE) -> Lexicon:
    """Load and compile the lexicon files."""
    phrases = yaml.load(phrases_file.read_text(encoding="utf-8"), Loader=_LOADER)
    idioms = yaml.load(idioms_file.read_text(encoding="utf-8"), Loader=_LOADER)
    return Lexicon(phrases, idioms)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped lexicon, loaded once per process."""
    return load_lexicon()


def _more_serious(a: LexiconMatch, b: LexiconMatch) -> bool:
    """Whether ``a`` outranks ``b``: urgent before check, then a plain match before a negated one."""
    rank = {URGENT: 2, CHECK: 1}
    return (rank[a.level], not a.negated) > (rank[b.level], not b.negated)
