"""The book's language: normalise metadata tags, detect from text, map to the TTS model's names."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# The language names Qwen3-TTS accepts, keyed by ISO 639-1.
TTS_LANGUAGES: dict[str, str] = {
    "zh": "Chinese",
    "en": "English",
    "ja": "Japanese",
    "ko": "Korean",
    "de": "German",
    "fr": "French",
    "ru": "Russian",
    "pt": "Portuguese",
    "es": "Spanish",
    "it": "Italian",
}
# ISO 639-2 (bibliographic and terminological) and English names seen in OPF and Gutenberg headers.
_ALIASES: dict[str, str] = {
    "zho": "zh", "chi": "zh", "cmn": "zh", "yue": "zh", "chinese": "zh",
    "eng": "en", "english": "en",
    "jpn": "ja", "japanese": "ja",
    "kor": "ko", "korean": "ko",
    "deu": "de", "ger": "de", "german": "de", "deutsch": "de",
    "fra": "fr", "fre": "fr", "french": "fr", "français": "fr", "francais": "fr",
    "rus": "ru", "russian": "ru",
    "por": "pt", "portuguese": "pt", "português": "pt",
    "spa": "es", "spanish": "es", "español": "es", "castellano": "es",
    "ita": "it", "italian": "it", "italiano": "it",
}
# Names for the warning about a language the model does not speak (the tag itself for the rest).
LANGUAGE_NAMES: dict[str, str] = {
    "he": "Hebrew", "yi": "Yiddish", "ar": "Arabic", "fa": "Persian", "ur": "Urdu", "el": "Greek", "hi": "Hindi",
    "bn": "Bengali", "th": "Thai", "vi": "Vietnamese", "tr": "Turkish", "pl": "Polish", "nl": "Dutch",
    "sv": "Swedish", "da": "Danish", "no": "Norwegian", "nb": "Norwegian", "fi": "Finnish", "cs": "Czech",
    "sk": "Slovak", "hu": "Hungarian", "ro": "Romanian", "uk": "Ukrainian", "bg": "Bulgarian", "sr": "Serbian",
    "hr": "Croatian", "lt": "Lithuanian", "lv": "Latvian", "et": "Estonian", "la": "Latin", "ca": "Catalan",
    "eo": "Esperanto", "id": "Indonesian", "ms": "Malay", "sw": "Swahili", "hy": "Armenian", "ka": "Georgian",
    "ta": "Tamil", "te": "Telugu", "am": "Amharic", "ga": "Irish", "cy": "Welsh", "is": "Icelandic",
}
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
_UNDETERMINED = {"und", "mul", "zxx", "mis", "xx", "unknown", ""}

_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff]")
_HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LETTER = re.compile(r"[^\W\d_]")

_identifier_lock = threading.Lock()


def normalize_tag(value: str | None) -> str | None:
    """A BCP 47-ish tag from metadata ("en-US", "eng", "English"), or None when absent/undetermined."""
    if not value:
        return None
    value = value.strip()
    low = value.lower()
    if low in _UNDETERMINED:
        return None
    if low in _ALIASES:
        return _ALIASES[low]
    if not _TAG.match(value):
        return None
    parts = value.replace("_", "-").split("-")
    primary = _ALIASES.get(parts[0].lower(), parts[0].lower())
    if primary in _UNDETERMINED:
        return None
    rest = [p.upper() if len(p) == 2 else p for p in parts[1:]]
    return "-".join([primary, *rest])


def primary_subtag(tag: str | None) -> str | None:
    return tag.split("-")[0].lower() if tag else None


def tts_language(tag: str | None) -> str:
    """The model's language name for a tag, or "auto" for languages it does not know."""
    return TTS_LANGUAGES.get(primary_subtag(tag) or "", "auto")


def unsupported_warning(tag: str | None) -> str | None:
    """What to tell the user about a book in a language the narration models do not speak; None when they
    speak it or the language is unknown."""
    code = primary_subtag(tag)
    if not code or code in TTS_LANGUAGES:
        return None
    name = LANGUAGE_NAMES.get(code, f"“{tag}”")
    spoken = ", ".join(TTS_LANGUAGES.values())
    return (f"This book is in {name}, which the narration models do not speak ({spoken}): "
            "the narration will be unintelligible or mispronounced.")


def detect(text: str) -> str | None:
    """Detect the language of a text sample; None when there is too little text to tell."""
    sample = text[:20_000]
    letters = _LETTER.findall(sample)
    if len(letters) < 20:
        return None
    by_script = _detect_by_script(sample, len(letters))
    if by_script:
        return by_script
    code, confidence = _identifier().classify(sample)
    return code if confidence >= 0.5 else None


def _detect_by_script(sample: str, letters: int) -> str | None:
    # Scripts unique to one of our languages settle it without a model (and Japanese mixes in Han).
    if len(_KANA.findall(sample)) * 20 > letters:
        return "ja"
    if len(_HANGUL.findall(sample)) * 3 > letters:
        return "ko"
    if len(_HAN.findall(sample)) * 3 > letters:
        return "zh"
    return None


def choose(metadata_tag: str | None, text_sample: str) -> str | None:
    """Metadata wins, unless the text is plainly in another script (converters often stamp "en" on
    everything). With a plausible tag the detection model is never loaded."""
    if metadata_tag is None:
        return detect(text_sample)
    declared = _script_family(primary_subtag(metadata_tag))
    if len(_LETTER.findall(text_sample[:2000])) >= 20 and _script_share(text_sample, declared) < 0.2:
        detected = detect(text_sample)
        if detected and _script_family(detected) != declared:
            return detected
    return metadata_tag


def _script_family(code: str | None) -> str:
    if code in ("zh", "ja", "ko"):
        return code
    if code in ("ru", "uk", "be", "bg", "sr", "mk", "kk"):
        return "cyrillic"
    return _OTHER_SCRIPTS.get(code or "", "latin")  # or another script we do not tell apart


# Scripts of languages the model does not speak: an "en" stamped on a Hebrew book must not hide it.
_OTHER_SCRIPTS = {"he": "hebrew", "yi": "hebrew", "ar": "arabic", "fa": "arabic", "ur": "arabic", "el": "greek",
                  "hi": "devanagari", "mr": "devanagari", "ne": "devanagari", "th": "thai"}
_FAMILY_CHARS = {
    "zh": re.compile("[\u4e00-\u9fff\u3400-\u4dbf]"),
    "ja": re.compile("[\u3040-\u30ff\u4e00-\u9fff]"),
    "ko": re.compile("[\uac00-\ud7af\u1100-\u11ff]"),
    "cyrillic": _CYRILLIC,
    "latin": re.compile("[A-Za-z\u00c0-\u024f]"),
    "hebrew": re.compile("[\u0590-\u05ff]"),
    "arabic": re.compile("[\u0600-\u06ff\u0750-\u077f]"),
    "greek": re.compile("[\u0370-\u03ff\u1f00-\u1fff]"),
    "devanagari": re.compile("[\u0900-\u097f]"),
    "thai": re.compile("[\u0e00-\u0e7f]"),
}


def _script_share(sample: str, family: str) -> float:
    sample = sample[:20_000]
    letters = len(_LETTER.findall(sample))
    return len(_FAMILY_CHARS[family].findall(sample)) / letters if letters else 0.0


_identifier_instance: LanguageIdentifier | None = None


def _identifier() -> LanguageIdentifier:
    # py3langid's model takes ~0.5 s and ~120 MB to load: once per process, lazily, and only for text
    # that needs it. Books may be parsed on worker threads, hence the lock.
    global _identifier_instance
    with _identifier_lock:
        if _identifier_instance is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier_instance = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier_instance
