"""Legacy code pages told apart by the words they spell (issue 19): French cp1252 was read as cp1257
("Hélčne", "garēon", "tźte"); German, Spanish, UTF-8 and Baltic texts keep decoding right."""

from __future__ import annotations

import pytest

from reader_app.books import load_book
from reader_app.books.encoding import decode_text
from reader_app.books.latin_pages import best_latin_page

FRENCH = (
    "Chapitre 1\n\nHélène regarda le garçon. Il avait la tête baissée et ne disait rien. « Où vas-tu ? » "
    "demanda-t-elle. Le garçon haussa les épaules ; il était fatigué, et la fenêtre s'ouvrait sur une rue "
    "déserte où passait parfois une voiture. Hélène soupira. Elle pensait à sa mère, à l'été dernier, à la "
    "forêt près du château, où elle rêvait de retourner.\n"
)
GERMAN = (
    "Kapitel 1\n\nDer Junge ging über die Straße. Es war schön, aber die Bäume waren groß und dunkel. Müde "
    "öffnete er die Tür und sah seine Mutter, die in der Küche saß und Kaffee trank. »Wo warst du?« fragte "
    "sie. Er schwieg und dachte an die Brücke über den Fluss, wo er den ganzen Nachmittag gewartet hatte.\n"
)
SPANISH = (
    "Capítulo 1\n\nEl niño corrió por la calle. ¿Dónde estás?, preguntó su madre. La señora miró por la "
    "ventana y vio el jardín, donde las flores crecían bajo el sol. Mañana será otro día, pensó, y sonrió "
    "con tristeza. Había una canción que recordaba de su infancia, y la cantó en voz baja.\n"
)
LITHUANIAN = (
    "Vaikas bėgo gatve. Motina šaukė jį iš lango, bet jis negirdėjo. Žiemą čia būdavo šalta, o vasarą karšta. "
    "Jis sustojo prie upės ir žiūrėjo į vandenį, kuris tekėjo lėtai. Ąžuolas augo šalia kelio, senas ir "
    "didelis, ir po juo sėdėjo senelis, kuris pasakojo istorijas apie karą ir apie laimę.\n"
)
LATVIAN = (
    "Zēns skrēja pa ielu. Māte sauca viņu no loga, bet viņš nedzirdēja. Ziemā šeit bija auksti, bet vasarā "
    "karsti. Viņš apstājās pie upes un skatījās ūdenī, kas tecēja lēni. Ozols auga blakus ceļam, vecs un "
    "liels, un zem tā sēdēja vectēvs, kurš stāstīja par karu un par laimi.\n"
)


def _decoded(tmp_path, text: str, encoding: str) -> str:
    path = tmp_path / "b.txt"
    path.write_bytes(text.encode(encoding))
    return " ".join(s.text for s in load_book(path).sentences())


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_french_legacy_text_decodes_right(tmp_path, encoding):
    text = _decoded(tmp_path, FRENCH, encoding)
    assert "Hélène" in text and "garçon" in text and "tête" in text and "« Où vas-tu ? »" in text
    assert not set("čēźė") & set(text)


def test_short_french_text_with_curly_quotes(tmp_path):
    text = _decoded(tmp_path, "Hélène et le garçon. La tête lui tournait. « C’est l’été », dit-il.\n", "cp1252")
    assert "Hélène et le garçon." in text and "C’est l’été" in text


@pytest.mark.parametrize(("source", "encoding", "words"), [
    (GERMAN, "cp1252", ("über", "Straße", "warst du?«")),
    (GERMAN, "latin-1", ("Küche", "schön")),
    (SPANISH, "latin-1", ("niño", "¿Dónde", "Mañana")),
    (SPANISH, "cp1252", ("señora", "canción")),
])
def test_german_and_spanish_still_right(tmp_path, source, encoding, words):
    text = _decoded(tmp_path, source, encoding)
    for word in words:
        assert word in text


def test_utf8_is_utf8():
    assert decode_text(FRENCH.encode("utf-8")) == (FRENCH, "utf-8")


@pytest.mark.parametrize("source", [LITHUANIAN, LATVIAN])
def test_baltic_cp1257_stays_cp1257(source):
    text, encoding = decode_text(source.encode("cp1257") * 3)
    assert text == source * 3
    assert encoding == "cp1257"


def test_gutenberg_language_header_is_a_hint():
    # Hand-made tie: every letter here reads the same in cp1252 and cp1257 except è (cp1257: č).
    data = "Language: French\n\nIl était une fois un père et sa fille Hélène, très sage.\n".encode("cp1252")
    assert best_latin_page(data, "cp1257", "fr") == "cp1252"
    assert decode_text(data * 4)[0].startswith("Language: French")
