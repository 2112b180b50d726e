"""Speech tags in the ten model languages: the verbs of saying, and where the speaker's name stands beside them.

Qt-free, no network. `find_tag(stretch)` looks at the narrator's words next to a quote ("said Alice", "Alice
replied", "dit Marie", "sagte Hans", "сказал Иван", "李明说", "と花子は言った", "민수가 말했다") and gives the
tag's place and the name it names (None for a pronoun or "the old man": a tag without a name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Verbs of saying, past tense mostly (as novels narrate), lower case. One set for all space-separated languages:
# a book's language tag is often wrong, and these words do not collide across languages in a harmful way.
SPEECH_VERBS: dict[str, frozenset[str]] = {
    "en": frozenset("""said says asked replied answered cried shouted whispered muttered murmured called exclaimed
        added continued began told yelled sighed laughed insisted agreed explained admitted demanded protested
        snapped suggested wondered repeated retorted responded screamed roared growled hissed stammered
        breathed declared announced observed remarked inquired enquired urged warned pleaded begged
        promised""".split()),
    "fr": frozenset("""dit répondit demanda s'écria s’écria murmura cria ajouta répliqua reprit fit lança souffla
        déclara expliqua continua chuchota hurla questionna interrogea poursuivit insista protesta soupira
        rétorqua observa remarqua conclut affirma annonça""".split()),
    "de": frozenset("""sagte fragte antwortete rief flüsterte meinte erwiderte murmelte schrie entgegnete
        erklärte fuhr sprach brüllte seufzte lachte wiederholte fügte bemerkte versetzte versprach""".split()),
    "es": frozenset("""dijo preguntó respondió contestó exclamó gritó susurró añadió murmuró replicó insistió
        explicó continuó suspiró""".split()),
    "it": frozenset("""disse chiese rispose esclamò gridò sussurrò aggiunse mormorò replicò domandò continuò
        spiegò urlò""".split()),
    "pt": frozenset("""disse perguntou respondeu exclamou gritou sussurrou acrescentou murmurou replicou
        continuou explicou""".split()),
    "ru": frozenset("""сказал сказала спросил спросила ответил ответила крикнул крикнула прошептал прошептала
        воскликнул воскликнула произнёс произнес произнесла добавил добавила заметил заметила продолжил
        продолжила пробормотал пробормотала возразил возразила проговорил проговорила закричал закричала
        вздохнул вздохнула сказали спросили ответили""".split()),
}
_ALL_VERBS = frozenset().union(*SPEECH_VERBS.values())
# Verbs that stand inverted after a comma in a dash paragraph (French incise "— Oui, dit Marie."): where the
# speech stops and the narrator's words begin.
_INCISE_VERBS = SPEECH_VERBS["fr"] | SPEECH_VERBS["es"] | SPEECH_VERBS["it"] | SPEECH_VERBS["pt"] | \
    SPEECH_VERBS["ru"]

# Capitalised words that are not names: pronouns, articles, sentence openers, in the space-separated languages.
PRONOUNS = frozenset("""i he she it they we you him her them his its
    il elle ils elles on je tu nous vous lui
    er sie es ich du wir ihr
    él ella ellos ellas yo usted
    lui lei loro io egli ella
    ele ela eles elas eu você
    он она они оно я ты мы вы""".split())
NOT_NAMES = PRONOUNS | frozenset("""the a an and but then so yet or if when as this that there here what who
    le la les un une des et mais puis alors
    der die das ein eine und aber dann da
    el los las uno una y pero entonces
    il lo gli uno una e ma poi
    o os as um uma mas então
    и но а тогда потом это""".split())
TITLES = frozenset("""mr mr. mrs mrs. ms ms. miss dr dr. sir lady lord captain professor aunt uncle
    monsieur madame mademoiselle m. mme herr frau fräulein señor señora don doña signor signora""".split())

_WORD = re.compile(r"[^\W\d_][\w'’.-]*[^\W_]|[^\W\d_]", re.UNICODE)
_INCISE = re.compile(r"[,!?…]\s*([^\W\d_][\w'’]*)(?:-(?:t-)?[^\W\d_]+)?", re.UNICODE)
# A sentence's end, not the dot of a title ("said Mr. Grey").
_SENTENCE_END = re.compile(r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bM)\.|[!?…。！？]")

# Chinese: the verb after the speaker's name ("李明说：", "王芳笑着说"); adverbial bits stripped off the name's end.
_ZH_VERBS = ("说道", "问道", "答道", "叫道", "喊道", "笑道", "回答", "说", "问", "道", "喊", "叫", "嚷")
_ZH_VERB = re.compile("|".join(_ZH_VERBS))
_HAN = "\u4e00-\u9fff"
_ZH_ADVERBIAL = re.compile(rf"(?:笑着|[{_HAN}]{{1,2}}地|轻声|低声|大声|小声|又|也|便|就|才|还|连忙|急忙|"
                           rf"不禁|对[{_HAN}]{{1,3}}|看着[{_HAN}]{{1,3}}|望着[{_HAN}]{{1,3}})$")
_ZH_NOT_SAYING = frozenset("知难味街频轨渠通报赤")
_ZH_PRONOUNS = frozenset("他 她 我 你 他们 她们 我们 你们 它".split())
# Japanese: 「…」と(、)NAMEは言った, or NAMEは「…」と言った; Korean: “…” 민수가 말했다, 민수는 “…”라고 말했다.
_JA_NAME = r"[\u4e00-\u9fff\u30a1-\u30fa\u30fc]{1,8}"
_JA_HONORIFIC = r"(?:さん|くん|君|ちゃん|様|先生)?"
_JA_VERBS = r"(?:言っ|言い|言う|答え|聞い|訊い|尋ね|叫ん|叫び|呟い|つぶやい|ささやい|囁い|笑っ|返し|続け|たずね)"
_JA_AFTER = re.compile(rf"^[と][、,]?\s*(?:({_JA_NAME}){_JA_HONORIFIC}[はがも][、,]?)?[^。「」]{{0,12}}?{_JA_VERBS}")
_JA_BEFORE = re.compile(rf"({_JA_NAME}){_JA_HONORIFIC}[はが][、,]?\s*$")
_JA_PRONOUNS = frozenset("彼 彼女 私 僕 俺".split())
_KO_VERBS = r"(?:말했|물었|대답했|외쳤|속삭였|중얼거렸|소리쳤)"
_KO_AFTER = re.compile(rf"^(?:\s*(?:이?라고|하고))?\s*(?:([가-힣]{{2,4}}?)(?:이|가|은|는)\s+)?(?:\S+\s+)?{_KO_VERBS}")
_KO_BEFORE = re.compile(r"([가-힣]{2,4}?)(?:이|가|은|는)\s*$")
_KO_PRONOUNS = frozenset("그 그녀 나 너".split())


@dataclass(frozen=True)
class Tag:
    start: int  # in the text searched
    end: int
    name: str | None  # None: a tag without a name ("he said", "said the old man")


def incise_at(text: str, start: int, stop: int) -> int | None:
    """Where a French-style incise (", dit Marie", ", répondit-il") begins in text[start:stop] (just after its
    comma), else None."""
    for found in _INCISE.finditer(text, start, stop):
        if found.group(1).lower() in _INCISE_VERBS:
            return found.start() + 1
    return None


def is_name(word: str) -> bool:
    return word[:1].isupper() and word.lower() not in NOT_NAMES and word.lower() not in TITLES


def _words(text: str, start: int, stop: int) -> list[re.Match[str]]:
    return list(_WORD.finditer(text, start, stop))


def _name_at(words: list[re.Match[str]], i: int, step: int) -> tuple[str, int, int] | None:
    """A name of one or two capitalised words starting at words[i] (step 1: reading on; -1: reading back), a
    title before it kept ("Mr. Darcy"); (name, start, end) or None."""
    if not 0 <= i < len(words):
        return None
    if step > 0 and words[i].group().lower() in TITLES and i + 1 < len(words) and is_name(words[i + 1].group()):
        parts = [words[i], words[i + 1]]
    elif is_name(words[i].group()):
        parts = [words[i]]
        j = i + step
        if 0 <= j < len(words) and (is_name(words[j].group()) or words[j].group().lower() in TITLES) and \
                words[j].group()[:1].isupper():
            parts = [words[i], words[j]] if step > 0 else [words[j], words[i]]
    else:
        return None
    text = parts[0].string
    end = parts[-1].end()
    name = text[parts[0].start():end] if len(parts) == 1 or \
        not text[parts[0].end():parts[1].start()].strip(". ") else parts[0].group()
    return name, parts[0].start(), end


def find_tag(text: str, start: int, stop: int, *, after_quote: bool) -> Tag | None:
    """The speech tag in the narration text[start:stop] next to a quote (after_quote: the stretch follows the
    quote, so the tag is at its beginning; else it precedes the quote, the tag at its end)."""
    if start >= stop:
        return None
    cjk = _cjk_tag(text, start, stop, after_quote)
    if cjk is not None:
        return cjk
    # Only the clause next to the quote: after it, up to the sentence's end; before it, from the last end.
    if after_quote:
        end = _SENTENCE_END.search(text, start, stop)
        stop = end.start() if end is not None else stop
    else:
        ends = list(_SENTENCE_END.finditer(text, start, stop))
        start = ends[-1].end() if ends else start
    words = _words(text, start, stop)
    for i, word in enumerate(words):
        if word.group().lower() not in _ALL_VERBS:
            continue
        if word.group().lower() == "fuhr" and not any(w.group() == "fort" for w in words[i:i + 4]):
            continue
        following = _name_at(words, i + 1, 1)
        if following is not None:  # "said Alice", "dit Marie", "сказал Иван"
            return Tag(word.start(), following[2], following[0])
        preceding = _name_at(words, i - 1, -1)
        if preceding is not None:  # "Alice replied", "Иван сказал"
            return Tag(preceding[1], word.end(), preceding[0])
        if i >= 2 and words[i - 1].group().endswith("ly"):  # "Alice quietly said"
            preceding = _name_at(words, i - 2, -1)
            if preceding is not None:
                return Tag(preceding[1], word.end(), preceding[0])
        if not after_quote:  # "Alice turned to him and said:" -> the clause's subject
            for j in range(i):
                subject = _name_at(words, j, 1)
                if subject is not None:
                    return Tag(words[0].start(), word.end(), subject[0])
        near = words[i + 1] if i + 1 < len(words) else (words[i - 1] if i else None)
        return Tag(word.start(), near.end() if near is not None and near.start() > word.start() else word.end(),
                   None)
    return None


def _cjk_tag(text: str, start: int, stop: int, after_quote: bool) -> Tag | None:
    stretch = text[start:stop]
    if after_quote:
        ja = _JA_AFTER.match(stretch)
        if ja is not None:
            name = ja.group(1)
            return Tag(start, start + ja.end(), None if name in _JA_PRONOUNS else name)
        ko = _KO_AFTER.match(stretch)
        if ko is not None:
            name = ko.group(1)
            return Tag(start, start + ko.end(), None if name in _KO_PRONOUNS else name)
    else:
        for pattern, pronouns in ((_JA_BEFORE, _JA_PRONOUNS), (_KO_BEFORE, _KO_PRONOUNS)):
            found = pattern.search(stretch)
            if found is not None:
                return Tag(start + found.start(), stop, None if found.group(1) in pronouns else found.group(1))
    return _zh_tag(text, start, stop, after_quote)


def _zh_tag(text: str, start: int, stop: int, after_quote: bool) -> Tag | None:
    """李明说：“…” / “…”王芳笑着说。: the Han characters before the verb, adverbial bits stripped."""
    if not any("\u4e00" <= c <= "\u9fff" for c in text[start:min(stop, start + 40)] or ""):
        return None
    window = (start, min(stop, start + 24)) if after_quote else (max(start, stop - 24), stop)
    for verb in _ZH_VERB.finditer(text, *window):
        if verb.group() == "道" and verb.start() > 0 and text[verb.start() - 1] in _ZH_NOT_SAYING:
            continue  # 知道, 难道, 味道: not a verb of saying
        if not after_quote and text[verb.end():stop].strip(" ：:，,") and _ZH_VERB.search(text, verb.end(), stop):
            continue  # before a quote the verb ends the stretch ("李明说："): a later one is the tag
        run_start = verb.start()
        while run_start > window[0] and "\u4e00" <= text[run_start - 1] <= "\u9fff":
            run_start -= 1
        run = text[run_start:verb.start()]
        while True:
            stripped = _ZH_ADVERBIAL.sub("", run)
            if stripped == run:
                break
            run = stripped
        if not run:  # "张伟跳下车，大声喊道：": the name opens the clause, before the action
            run = _zh_subject(text, start, verb.start())
            if not run:
                continue
        return Tag(run_start, verb.end(), None if run in _ZH_PRONOUNS or run[:1] in ("他", "她") else run)
    return None


def _zh_subject(text: str, start: int, stop: int) -> str:
    """The Han characters that open the sentence holding text[stop] (at most 3: a name's length)."""
    at = max(text.rfind(mark, start, stop) for mark in "。！？”」") + 1
    at = max(at, start)
    run = ""
    for c in text[at:stop]:
        if not "\u4e00" <= c <= "\u9fff":
            break
        run += c
    return run[:3]
