"""Book language: metadata tags normalised, detection from text, mapping to the model's names."""

from __future__ import annotations

import pytest

from reader_app.books import language

SAMPLES = {
    "en": "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
          "must be in want of a wife. However little known the feelings or views of such a man may be.",
    "de": "Als Gregor Samsa eines Morgens aus unruhigen Träumen erwachte, fand er sich in seinem Bett zu "
          "einem ungeheueren Ungeziefer verwandelt. Er lag auf seinem panzerartig harten Rücken.",
    "fr": "Longtemps, je me suis couché de bonne heure. Parfois, à peine ma bougie éteinte, mes yeux se "
          "fermaient si vite que je n'avais pas le temps de me dire : Je m'endors.",
    "es": "En un lugar de la Mancha, de cuyo nombre no quiero acordarme, no ha mucho tiempo que vivía un "
          "hidalgo de los de lanza en astillero, adarga antigua, rocín flaco y galgo corredor.",
    "pt": "Uma noite destas, vindo da cidade para o Engenho Novo, encontrei no trem da Central um rapaz "
          "aqui do bairro, que eu conheço de vista e de chapéu. Cumprimentou-me e sentou-se ao pé de mim.",
    "it": "Quel ramo del lago di Como, che volge a mezzogiorno, tra due catene non interrotte di monti, "
          "tutto a seni e a golfi, a seconda dello sporgere e del rientrare di quelli.",
    "ru": "Все счастливые семьи похожи друг на друга, каждая несчастливая семья несчастлива по-своему. "
          "Всё смешалось в доме Облонских. Жена узнала, что муж был в связи с бывшею в их доме француженкою.",
    "zh": "话说天下大势，分久必合，合久必分。周末七国分争，并入于秦。及秦灭之后，楚、汉分争，又并入于汉。",
    "ja": "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で泣いていた事だけは記憶している。",  # noqa: E501 - test text
    "ko": "나는 고양이로소이다. 이름은 아직 없다. 어디서 태어났는지 도무지 짐작이 가지 않는다. 어두컴컴하고 축축한 곳에서 울고 있었던 것만은 기억한다.",  # noqa: E501 - test text
}
NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "pt": "Portuguese", "it": "Italian",
         "ru": "Russian", "zh": "Chinese", "ja": "Japanese", "ko": "Korean"}


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_detect_each_language(code):
    assert language.detect(SAMPLES[code]) == code
    assert language.tts_language(code) == NAMES[code]


@pytest.mark.parametrize(
    ("raw", "tag"),
    [("en-US", "en-US"), ("en_gb", "en-GB"), ("eng", "en"), ("English", "en"), ("fre", "fr"), ("zh-Hans", "zh-Hans"),
     ("und", None), ("", None), (None, None), ("<script>", None), ("pt-BR", "pt-BR")],
)
def test_normalize_tag(raw, tag):
    assert language.normalize_tag(raw) == tag


def test_tts_language_mapping():
    assert language.tts_language("zh-CN") == "Chinese"
    assert language.tts_language("pt-BR") == "Portuguese"
    assert language.tts_language("nl") == "auto"
    assert language.tts_language(None) == "auto"


def test_metadata_wins_unless_script_disagrees():
    assert language.choose("en", SAMPLES["de"]) == "en"  # same script: trust the publisher
    assert language.choose("en", SAMPLES["zh"]) == "zh"  # a converter's default "en" on a Chinese book
    assert language.choose("en", SAMPLES["ru"]) == "ru"
    assert language.choose(None, SAMPLES["it"]) == "it"
    assert language.choose("fr", "") == "fr"


def test_too_little_text_is_undetermined():
    assert language.detect("Hi.") is None
    assert language.detect("12345 67890 !!!") is None
