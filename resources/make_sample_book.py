"""Build resources/sample_book.epub: the first two chapters of Lewis Carroll's "Alice's Adventures in
Wonderland" (1865, public domain), as a valid EPUB 3 with nav, NCX, metadata and a generated cover.

Run: python resources/make_sample_book.py   (standard library only; the output is byte-for-byte
reproducible, so the committed EPUB can be checked against it.)
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
OUT = HERE / "sample_book.epub"
TITLE = "Alice's Adventures in Wonderland"
AUTHOR = "Lewis Carroll"
BOOK_ID = "urn:uuid:6f1f5d2e-6b8a-4e57-9a55-a11ce0000001"
MODIFIED = "2024-01-01T00:00:00Z"
STARS = "* * * * * * *"

# Each chapter: (number, title, paragraphs). A paragraph that is a list is verse: one line per item.
CHAPTERS: list[tuple[str, str, list[str | list[str]]]] = [
    ("I", "Down the Rabbit-Hole", [
        "Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: once or twice she had peeped into the book her sister was reading, but it had no pictures or conversations in it, \"and what is the use of a book,\" thought Alice \"without pictures or conversations?\"",
        "So she was considering in her own mind (as well as she could, for the hot day made her feel very sleepy and stupid), whether the pleasure of making a daisy-chain would be worth the trouble of getting up and picking the daisies, when suddenly a White Rabbit with pink eyes ran close by her.",
        "There was nothing so very remarkable in that; nor did Alice think it so very much out of the way to hear the Rabbit say to itself, \"Oh dear! Oh dear! I shall be late!\" (when she thought it over afterwards, it occurred to her that she ought to have wondered at this, but at the time it all seemed quite natural); but when the Rabbit actually took a watch out of its waistcoat-pocket, and looked at it, and then hurried on, Alice started to her feet, for it flashed across her mind that she had never before seen a rabbit with either a waistcoat-pocket, or a watch to take out of it, and burning with curiosity, she ran across the field after it, and fortunately was just in time to see it pop down a large rabbit-hole under the hedge.",
        "In another moment down went Alice after it, never once considering how in the world she was to get out again.",
        "The rabbit-hole went straight on like a tunnel for some way, and then dipped suddenly down, so suddenly that Alice had not a moment to think about stopping herself before she found herself falling down a very deep well.",
        "Either the well was very deep, or she fell very slowly, for she had plenty of time as she went down to look about her and to wonder what was going to happen next. First, she tried to look down and make out what she was coming to, but it was too dark to see anything; then she looked at the sides of the well, and noticed that they were filled with cupboards and book-shelves; here and there she saw maps and pictures hung upon pegs. She took down a jar from one of the shelves as she passed; it was labelled \"ORANGE MARMALADE\", but to her great disappointment it was empty: she did not like to drop the jar for fear of killing somebody underneath, so managed to put it into one of the cupboards as she fell past it.",
        "\"Well!\" thought Alice to herself, \"after such a fall as this, I shall think nothing of tumbling down stairs! How brave they'll all think me at home! Why, I wouldn't say anything about it, even if I fell off the top of the house!\" (Which was very likely true.)",
        "Down, down, down. Would the fall never come to an end? \"I wonder how many miles I've fallen by this time?\" she said aloud. \"I must be getting somewhere near the centre of the earth. Let me see: that would be four thousand miles down, I think\u2014\" (for, you see, Alice had learnt several things of this sort in her lessons in the schoolroom, and though this was not a very good opportunity for showing off her knowledge, as there was no one to listen to her, still it was good practice to say it over) \"\u2014yes, that's about the right distance\u2014but then I wonder what Latitude or Longitude I've got to?\" (Alice had no idea what Latitude was, or Longitude either, but thought they were nice grand words to say.)",
        "Presently she began again. \"I wonder if I shall fall right through the earth! How funny it'll seem to come out among the people that walk with their heads downward! The Antipathies, I think\u2014\" (she was rather glad there was no one listening, this time, as it didn't sound at all the right word) \"\u2014but I shall have to ask them what the name of the country is, you know. Please, Ma'am, is this New Zealand or Australia?\" (and she tried to curtsey as she spoke\u2014fancy curtseying as you're falling through the air! Do you think you could manage it?) \"And what an ignorant little girl she'll think me for asking! No, it'll never do to ask: perhaps I shall see it written up somewhere.\"",
        "Down, down, down. There was nothing else to do, so Alice soon began talking again. \"Dinah'll miss me very much to-night, I should think!\" (Dinah was the cat.) \"I hope they'll remember her saucer of milk at tea-time. Dinah my dear! I wish you were down here with me! There are no mice in the air, I'm afraid, but you might catch a bat, and that's very like a mouse, you know. But do cats eat bats, I wonder?\" And here Alice began to get rather sleepy, and went on saying to herself, in a dreamy sort of way, \"Do cats eat bats? Do cats eat bats?\" and sometimes, \"Do bats eat cats?\" for, you see, as she couldn't answer either question, it didn't much matter which way she put it. She felt that she was dozing off, and had just begun to dream that she was walking hand in hand with Dinah, and saying to her very earnestly, \"Now, Dinah, tell me the truth: did you ever eat a bat?\" when suddenly, thump! thump! down she came upon a heap of sticks and dry leaves, and the fall was over.",
        "Alice was not a bit hurt, and she jumped up on to her feet in a moment: she looked up, but it was all dark overhead; before her was another long passage, and the White Rabbit was still in sight, hurrying down it. There was not a moment to be lost: away went Alice like the wind, and was just in time to hear it say, as it turned a corner, \"Oh my ears and whiskers, how late it's getting!\" She was close behind it when she turned the corner, but the Rabbit was no longer to be seen: she found herself in a long, low hall, which was lit up by a row of lamps hanging from the roof.",
        "There were doors all round the hall, but they were all locked; and when Alice had been all the way down one side and up the other, trying every door, she walked sadly down the middle, wondering how she was ever to get out again.",
        "Suddenly she came upon a little three-legged table, all made of solid glass; there was nothing on it except a tiny golden key, and Alice's first thought was that it might belong to one of the doors of the hall; but, alas! either the locks were too large, or the key was too small, but at any rate it would not open any of them. However, on the second time round, she came upon a low curtain she had not noticed before, and behind it was a little door about fifteen inches high: she tried the little golden key in the lock, and to her great delight it fitted!",
        "Alice opened the door and found that it led into a small passage, not much larger than a rat-hole: she knelt down and looked along the passage into the loveliest garden you ever saw. How she longed to get out of that dark hall, and wander about among those beds of bright flowers and those cool fountains, but she could not even get her head through the doorway; \"and even if my head would go through,\" thought poor Alice, \"it would be of very little use without my shoulders. Oh, how I wish I could shut up like a telescope! I think I could, if I only knew how to begin.\" For, you see, so many out-of-the-way things had happened lately, that Alice had begun to think that very few things indeed were really impossible.",
        "There seemed to be no use in waiting by the little door, so she went back to the table, half hoping she might find another key on it, or at any rate a book of rules for shutting people up like telescopes: this time she found a little bottle on it, (\"which certainly was not here before,\" said Alice,) and round the neck of the bottle was a paper label, with the words \"DRINK ME,\" beautifully printed on it in large letters.",
        "It was all very well to say \"Drink me,\" but the wise little Alice was not going to do that in a hurry. \"No, I'll look first,\" she said, \"and see whether it's marked 'poison' or not\"; for she had read several nice little histories about children who had got burnt, and eaten up by wild beasts and other unpleasant things, all because they would not remember the simple rules their friends had taught them: such as, that a red-hot poker will burn you if you hold it too long; and that if you cut your finger very deeply with a knife, it usually bleeds; and she had never forgotten that, if you drink much from a bottle marked \"poison,\" it is almost certain to disagree with you, sooner or later.",
        "However, this bottle was not marked \"poison,\" so Alice ventured to taste it, and finding it very nice, (it had, in fact, a sort of mixed flavour of cherry-tart, custard, pine-apple, roast turkey, toffee, and hot buttered toast,) she very soon finished it off.",
        STARS,
        "\"What a curious feeling!\" said Alice; \"I must be shutting up like a telescope.\"",
        "And so it was indeed: she was now only ten inches high, and her face brightened up at the thought that she was now the right size for going through the little door into that lovely garden. First, however, she waited for a few minutes to see if she was going to shrink any further: she felt a little nervous about this; \"for it might end, you know,\" said Alice to herself, \"in my going out altogether, like a candle. I wonder what I should be like then?\" And she tried to fancy what the flame of a candle is like after the candle is blown out, for she could not remember ever having seen such a thing.",
        "After a while, finding that nothing more happened, she decided on going into the garden at once; but, alas for poor Alice! when she got to the door, she found she had forgotten the little golden key, and when she went back to the table for it, she found she could not possibly reach it: she could see it quite plainly through the glass, and she tried her best to climb up one of the legs of the table, but it was too slippery; and when she had tired herself out with trying, the poor little thing sat down and cried.",
        "\"Come, there's no use in crying like that!\" said Alice to herself, rather sharply; \"I advise you to leave off this minute!\" She generally gave herself very good advice, (though she very seldom followed it), and sometimes she scolded herself so severely as to bring tears into her eyes; and once she remembered trying to box her own ears for having cheated herself in a game of croquet she was playing against herself, for this curious child was very fond of pretending to be two people. \"But it's no use now,\" thought poor Alice, \"to pretend to be two people! Why, there's hardly enough of me left to make one respectable person!\"",
        "Soon her eye fell on a little glass box that was lying under the table: she opened it, and found in it a very small cake, on which the words \"EAT ME\" were beautifully marked in currants. \"Well, I'll eat it,\" said Alice, \"and if it makes me grow larger, I can reach the key; and if it makes me grow smaller, I can creep under the door; so either way I'll get into the garden, and I don't care which happens!\"",
        "She ate a little bit, and said anxiously to herself, \"Which way? Which way?\", holding her hand on the top of her head to feel which way it was growing, and she was quite surprised to find that she remained the same size: to be sure, this generally happens when one eats cake, but Alice had got so much into the way of expecting nothing but out-of-the-way things to happen, that it seemed quite dull and stupid for life to go on in the common way.",
        "So she set to work, and very soon finished off the cake.",
        STARS,
    ]),
    ("II", "The Pool of Tears", [
        "\"Curiouser and curiouser!\" cried Alice (she was so much surprised, that for the moment she quite forgot how to speak good English); \"now I'm opening out like the largest telescope that ever was! Good-bye, feet!\" (for when she looked down at her feet, they seemed to be almost out of sight, they were getting so far off). \"Oh, my poor little feet, I wonder who will put on your shoes and stockings for you now, dears? I'm sure I shan't be able! I shall be a great deal too far off to trouble myself about you: you must manage the best way you can;\u2014but I must be kind to them,\" thought Alice, \"or perhaps they won't walk the way I want to go! Let me see: I'll give them a new pair of boots every Christmas.\"",
        "And she went on planning to herself how she would manage it. \"They must go by the carrier,\" she thought; \"and how funny it'll seem, sending presents to one's own feet! And how odd the directions will look!",
        ["Alice's Right Foot, Esq.,", "Hearthrug,", "near the Fender,", "(with Alice's love)."],
        "Oh dear, what nonsense I'm talking!\"",
        "Just then her head struck against the roof of the hall: in fact she was now more than nine feet high, and she at once took up the little golden key and hurried off to the garden door.",
        "Poor Alice! It was as much as she could do, lying down on one side, to look through into the garden with one eye; but to get through was more hopeless than ever: she sat down and began to cry again.",
        "\"You ought to be ashamed of yourself,\" said Alice, \"a great girl like you,\" (she might well say this), \"to go on crying in this way! Stop this moment, I tell you!\" But she went on all the same, shedding gallons of tears, until there was a large pool all round her, about four inches deep and reaching half down the hall.",
        "After a time she heard a little pattering of feet in the distance, and she hastily dried her eyes to see what was coming. It was the White Rabbit returning, splendidly dressed, with a pair of white kid gloves in one hand and a large fan in the other: he came trotting along in a great hurry, muttering to himself as he came, \"Oh! the Duchess, the Duchess! Oh! won't she be savage if I've kept her waiting!\" Alice felt so desperate that she was ready to ask help of any one; so, when the Rabbit came near her, she began, in a low, timid voice, \"If you please, sir\u2014\" The Rabbit started violently, dropped the white kid gloves and the fan, and skurried away into the darkness as hard as he could go.",
        "Alice took up the fan and gloves, and, as the hall was very hot, she kept fanning herself all the time she went on talking: \"Dear, dear! How queer everything is to-day! And yesterday things went on just as usual. I wonder if I've been changed in the night? Let me think: was I the same when I got up this morning? I almost think I can remember feeling a little different. But if I'm not the same, the next question is, Who in the world am I? Ah, that's the great puzzle!\" And she began thinking over all the children she knew that were of the same age as herself, to see if she could have been changed for any of them.",
        "\"I'm sure I'm not Ada,\" she said, \"for her hair goes in such long ringlets, and mine doesn't go in ringlets at all; and I'm sure I can't be Mabel, for I know all sorts of things, and she, oh! she knows such a very little! Besides, she's she, and I'm I, and\u2014oh dear, how puzzling it all is! I'll try if I know all the things I used to know. Let me see: four times five is twelve, and four times six is thirteen, and four times seven is\u2014oh dear! I shall never get to twenty at that rate! However, the Multiplication Table doesn't signify: let's try Geography. London is the capital of Paris, and Paris is the capital of Rome, and Rome\u2014no, that's all wrong, I'm certain! I must have been changed for Mabel! I'll try and say 'How doth the little\u2014'\" and she crossed her hands on her lap as if she were saying lessons, and began to repeat it, but her voice sounded hoarse and strange, and the words did not come the same as they used to do:\u2014",
        ["\"How doth the little crocodile", "Improve his shining tail,", "And pour the waters of the Nile", "On every golden scale!"],
        ["\"How cheerfully he seems to grin,", "How neatly spread his claws,", "And welcome little fishes in", "With gently smiling jaws!\""],
        "\"I'm sure those are not the right words,\" said poor Alice, and her eyes filled with tears again as she went on, \"I must be Mabel after all, and I shall have to go and live in that poky little house, and have next to no toys to play with, and oh! ever so many lessons to learn! No, I've made up my mind about it; if I'm Mabel, I'll stay down here! It'll be no use their putting their heads down and saying 'Come up again, dear!' I shall only look up and say 'Who am I then? Tell me that first, and then, if I like being that person, I'll come up: if not, I'll stay down here till I'm somebody else'\u2014but, oh dear!\" cried Alice, with a sudden burst of tears, \"I do wish they would put their heads down! I am so very tired of being all alone here!\"",
        "As she said this she looked down at her hands, and was surprised to see that she had put on one of the Rabbit's little white kid gloves while she was talking. \"How can I have done that?\" she thought. \"I must be growing small again.\" She got up and went to the table to measure herself by it, and found that, as nearly as she could guess, she was now about two feet high, and was going on shrinking rapidly: she soon found out that the cause of this was the fan she was holding, and she dropped it hastily, just in time to avoid shrinking away altogether.",
        "\"That was a narrow escape!\" said Alice, a good deal frightened at the sudden change, but very glad to find herself still in existence; \"and now for the garden!\" and she ran with all speed back to the little door: but, alas! the little door was shut again, and the little golden key was lying on the glass table as before, \"and things are worse than ever,\" thought the poor child, \"for I never was so small as this before, never! And I declare it's too bad, that it is!\"",
        "As she said these words her foot slipped, and in another moment, splash! she was up to her chin in salt water. Her first idea was that she had somehow fallen into the sea, \"and in that case I can go back by railway,\" she said to herself. (Alice had been to the seaside once in her life, and had come to the general conclusion, that wherever you go to on the English coast you find a number of bathing machines in the sea, some children digging in the sand with wooden spades, then a row of lodging houses, and behind them a railway station.) However, she soon made out that she was in the pool of tears which she had wept when she was nine feet high.",
        "\"I wish I hadn't cried so much!\" said Alice, as she swam about, trying to find her way out. \"I shall be punished for it now, I suppose, by being drowned in my own tears! That will be a queer thing, to be sure! However, everything is queer to-day.\"",
        "Just then she heard something splashing about in the pool a little way off, and she swam nearer to make out what it was: at first she thought it must be a walrus or hippopotamus, but then she remembered how small she was now, and she soon made out that it was only a mouse that had slipped in like herself.",
        "\"Would it be of any use, now,\" thought Alice, \"to speak to this mouse? Everything is so out-of-the-way down here, that I should think very likely it can talk: at any rate, there's no harm in trying.\" So she began: \"O Mouse, do you know the way out of this pool? I am very tired of swimming about here, O Mouse!\" (Alice thought this must be the right way of speaking to a mouse: she had never done such a thing before, but she remembered having seen in her brother's Latin Grammar, \"A mouse\u2014of a mouse\u2014to a mouse\u2014a mouse\u2014O mouse!\") The Mouse looked at her rather inquisitively, and seemed to her to wink with one of its little eyes, but it said nothing.",
        "\"Perhaps it doesn't understand English,\" thought Alice; \"I daresay it's a French mouse, come over with William the Conqueror.\" (For, with all her knowledge of history, Alice had no very clear notion how long ago anything had happened.) So she began again: \"O\u00f9 est ma chatte?\" which was the first sentence in her French lesson-book. The Mouse gave a sudden leap out of the water, and seemed to quiver all over with fright. \"Oh, I beg your pardon!\" cried Alice hastily, afraid that she had hurt the poor animal's feelings. \"I quite forgot you didn't like cats.\"",
        "\"Not like cats!\" cried the Mouse, in a shrill, passionate voice. \"Would you like cats if you were me?\"",
        "\"Well, perhaps not,\" said Alice in a soothing tone: \"don't be angry about it. And yet I wish I could show you our cat Dinah: I think you'd take a fancy to cats if you could only see her. She is such a dear quiet thing,\" Alice went on, half to herself, as she swam lazily about in the pool, \"and she sits purring so nicely by the fire, licking her paws and washing her face\u2014and she is such a nice soft thing to nurse\u2014and she's such a capital one for catching mice\u2014oh, I beg your pardon!\" cried Alice again, for this time the Mouse was bristling all over, and she felt certain it must be really offended. \"We won't talk about her any more if you'd rather not.\"",
        "\"We indeed!\" cried the Mouse, who was trembling down to the end of his tail. \"As if I would talk on such a subject! Our family always hated cats: nasty, low, vulgar things! Don't let me hear the name again!\"",
        "\"I won't indeed!\" said Alice, in a great hurry to change the subject of conversation. \"Are you\u2014are you fond\u2014of\u2014of dogs?\" The Mouse did not answer, so Alice went on eagerly: \"There is such a nice little dog near our house I should like to show you! A little bright-eyed terrier, you know, with oh, such long curly brown hair! And it'll fetch things when you throw them, and it'll sit up and beg for its dinner, and all sorts of things\u2014I can't remember half of them\u2014and it belongs to a farmer, you know, and he says it's so useful, it's worth a hundred pounds! He says it kills all the rats and\u2014oh dear!\" cried Alice in a sorrowful tone, \"I'm afraid I've offended it again!\" For the Mouse was swimming away from her as hard as it could go, and making quite a commotion in the pool as it went.",
        "So she called softly after it, \"Mouse dear! Do come back again, and we won't talk about cats or dogs either, if you don't like them!\" When the Mouse heard this, it turned round and swam slowly back to her: its face was quite pale (with passion, Alice thought), and it said in a low trembling voice, \"Let us get to the shore, and then I'll tell you my history, and you'll understand why it is I hate cats and dogs.\"",
        "It was high time to go, for the pool was getting quite crowded with the birds and animals that had fallen into it: there were a Duck and a Dodo, a Lory and an Eaglet, and several other curious creatures. Alice led the way, and the whole party swam to the shore.",
    ]),
]

# A 5x7 pixel font for the cover's lettering (only the letters needed).
GLYPHS = {
    "A": ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
    "C": ["01111", "10000", "10000", "10000", "10000", "10000", "01111"],
    "D": ["11110", "10001", "10001", "10001", "10001", "10001", "11110"],
    "E": ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
    "I": ["11111", "00100", "00100", "00100", "00100", "00100", "11111"],
    "L": ["10000", "10000", "10000", "10000", "10000", "10000", "11111"],
    "N": ["10001", "11001", "10101", "10011", "10001", "10001", "10001"],
    "O": ["01110", "10001", "10001", "10001", "10001", "10001", "01110"],
    "R": ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
    "S": ["01111", "10000", "10000", "01110", "00001", "00001", "11110"],
    "T": ["11111", "00100", "00100", "00100", "00100", "00100", "00100"],
    "W": ["10001", "10001", "10001", "10101", "10101", "11011", "10001"],
    " ": ["00000"] * 7,
}


def make_cover(width: int = 600, height: int = 900) -> bytes:
    """A PNG cover: night-blue gradient, a golden pocket watch, the title in pixel letters."""
    pixels = bytearray()
    cx, cy, radius = width // 2, height // 2 + 40, 170
    for y in range(height):
        t = y / height
        bg = (int(20 + 30 * t), int(30 + 60 * t), int(70 + 60 * t))
        pixels.append(0)  # PNG filter type "None" for this row
        for x in range(width):
            d2 = (x - cx) ** 2 + (y - cy) ** 2
            if d2 <= radius**2:
                if d2 >= (radius - 14) ** 2:
                    color = (212, 175, 55)  # gold rim
                elif _on_hand(x - cx, y - cy, radius):
                    color = (40, 40, 50)
                else:
                    color = (250, 246, 230)  # watch face
            else:
                color = bg
            pixels += bytes(color)
    _draw_text(pixels, width, "ALICE", 150, 8, (250, 246, 230))
    _draw_text(pixels, width, "IN WONDERLAND", 240, 4, (212, 175, 55))
    _draw_text(pixels, width, "LEWIS CARROLL", 800, 3, (250, 246, 230))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(pixels), 9)) + chunk(b"IEND", b"")


def _on_hand(dx: int, dy: int, radius: int) -> bool:
    # Two hands: one towards twelve, one towards three (it is always late).
    if abs(dx) <= 4 and -radius * 0.7 <= dy <= 0:
        return True
    return abs(dy) <= 4 and 0 <= dx <= radius * 0.5


def _draw_text(pixels: bytearray, width: int, text: str, top: int, scale: int, color: tuple[int, int, int]) -> None:
    text_width = len(text) * 6 * scale - scale
    left = (width - text_width) // 2
    row_bytes = width * 3 + 1
    for i, char in enumerate(text):
        for gy, row in enumerate(GLYPHS[char]):
            for gx, bit in enumerate(row):
                if bit != "1":
                    continue
                for sy in range(scale):
                    for sx in range(scale):
                        x = left + (i * 6 + gx) * scale + sx
                        y = top + gy * scale + sy
                        offset = y * row_bytes + 1 + x * 3
                        pixels[offset : offset + 3] = bytes(color)


def chapter_xhtml(number: str, title: str, paragraphs: list[str | list[str]]) -> str:
    body = []
    for paragraph in paragraphs:
        if isinstance(paragraph, list):
            lines = "<br/>\n".join(escape(line) for line in paragraph)
            body.append(f'<p class="verse">{lines}</p>')
        elif paragraph == STARS:
            body.append(f'<p class="stars">{STARS}</p>')
        else:
            body.append(f"<p>{escape(paragraph)}</p>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">\n'
        f"<head><title>Chapter {number}. {escape(title)}</title>"
        '<link rel="stylesheet" type="text/css" href="style.css"/></head>\n'
        f'<body><section epub:type="chapter" id="chapter-{number}">\n'
        f"<h2>CHAPTER {number}.<br/>{escape(title)}</h2>\n" + "\n".join(body) + "\n</section></body></html>\n"
    )


STYLE = """body { font-family: serif; line-height: 1.5; margin: 1em; }
h1, h2 { text-align: center; }
p { text-indent: 1.5em; margin: 0.3em 0; }
p.verse { margin-left: 3em; text-indent: 0; font-style: italic; }
p.stars { text-align: center; text-indent: 0; }
img.cover { max-width: 100%; }
"""


def title_page() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">\n'
        '<head><title>Title Page</title><link rel="stylesheet" type="text/css" href="style.css"/></head>\n'
        '<body><section epub:type="titlepage">\n'
        f"<h1>{escape(TITLE)}</h1>\n<p>by {AUTHOR}</p>\n"
        "<p>Chapters I and II, from the text of 1865, which is in the public domain. "
        "A sample book for the audiobook reader.</p>\n</section></body></html>\n"
    )


def cover_page() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">\n'
        '<head><title>Cover</title><link rel="stylesheet" type="text/css" href="style.css"/></head>\n'
        f'<body epub:type="cover"><img class="cover" src="cover.png" alt="{escape(TITLE)}"/></body></html>\n'
    )


def nav() -> str:
    items = "\n".join(
        f'<li><a href="chapter-{n}.xhtml">Chapter {n}. {escape(t)}</a></li>' for n, t, _ in CHAPTERS
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">\n'
        "<head><title>Contents</title></head>\n<body>\n"
        f'<nav epub:type="toc" id="toc"><h1>Contents</h1>\n<ol>\n{items}\n</ol></nav>\n'
        '<nav epub:type="landmarks" hidden=""><ol>'
        '<li><a epub:type="cover" href="cover.xhtml">Cover</a></li>'
        '<li><a epub:type="bodymatter" href="chapter-I.xhtml">Begin Reading</a></li></ol></nav>\n'
        "</body></html>\n"
    )


def ncx() -> str:
    points = "\n".join(
        f'<navPoint id="np-{i}" playOrder="{i}"><navLabel><text>Chapter {n}. {escape(t)}</text></navLabel>'
        f'<content src="chapter-{n}.xhtml"/></navPoint>'
        for i, (n, t, _) in enumerate(CHAPTERS, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1" xml:lang="en">\n'
        f'<head><meta name="dtb:uid" content="{BOOK_ID}"/><meta name="dtb:depth" content="1"/>'
        '<meta name="dtb:totalPageCount" content="0"/><meta name="dtb:maxPageNumber" content="0"/></head>\n'
        f"<docTitle><text>{escape(TITLE)}</text></docTitle><docAuthor><text>{AUTHOR}</text></docAuthor>\n"
        f"<navMap>\n{points}\n</navMap>\n</ncx>\n"
    )


def opf() -> str:
    chapter_items = "\n".join(
        f'<item id="chapter-{n}" href="chapter-{n}.xhtml" media-type="application/xhtml+xml"/>' for n, _, _ in CHAPTERS
    )
    chapter_refs = "\n".join(f'<itemref idref="chapter-{n}"/>' for n, _, _ in CHAPTERS)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" xml:lang="en">\n'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        f'<dc:identifier id="book-id">{BOOK_ID}</dc:identifier>\n'
        f"<dc:title>{escape(TITLE)}</dc:title>\n"
        f'<dc:creator id="author">{AUTHOR}</dc:creator>\n'
        '<meta refines="#author" property="role" scheme="marc:relators">aut</meta>\n'
        "<dc:language>en</dc:language>\n"
        "<dc:date>1865</dc:date>\n"
        "<dc:rights>Public domain</dc:rights>\n"
        f'<meta property="dcterms:modified">{MODIFIED}</meta>\n'
        '<meta name="cover" content="cover-image"/>\n'
        "</metadata>\n<manifest>\n"
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>\n'
        '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>\n'
        '<item id="style" href="style.css" media-type="text/css"/>\n'
        '<item id="cover-image" href="cover.png" media-type="image/png" properties="cover-image"/>\n'
        '<item id="cover" href="cover.xhtml" media-type="application/xhtml+xml"/>\n'
        '<item id="titlepage" href="titlepage.xhtml" media-type="application/xhtml+xml"/>\n'
        f"{chapter_items}\n</manifest>\n"
        '<spine toc="ncx">\n<itemref idref="cover" linear="no"/>\n<itemref idref="titlepage"/>\n'
        f"{chapter_refs}\n</spine>\n</package>\n"
    )


CONTAINER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">\n'
    '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>\n'
    "</container>\n"
)


def build(out: Path = OUT) -> Path:
    files: list[tuple[str, bytes]] = [
        ("META-INF/container.xml", CONTAINER.encode()),
        ("OEBPS/content.opf", opf().encode()),
        ("OEBPS/nav.xhtml", nav().encode()),
        ("OEBPS/toc.ncx", ncx().encode()),
        ("OEBPS/style.css", STYLE.encode()),
        ("OEBPS/cover.png", make_cover()),
        ("OEBPS/cover.xhtml", cover_page().encode()),
        ("OEBPS/titlepage.xhtml", title_page().encode()),
    ]
    files += [(f"OEBPS/chapter-{n}.xhtml", chapter_xhtml(n, t, p).encode()) for n, t, p in CHAPTERS]
    stamp = (2024, 1, 1, 0, 0, 0)  # fixed: the archive is reproducible
    with zipfile.ZipFile(out, "w") as zf:
        # The mimetype entry must come first and be stored uncompressed (OCF).
        zf.writestr(zipfile.ZipInfo("mimetype", stamp), b"application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, data in files:
            zf.writestr(zipfile.ZipInfo(name, stamp), data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out


if __name__ == "__main__":
    print(build())
