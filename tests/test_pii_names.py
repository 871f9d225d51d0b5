from __future__ import annotations

import pytest

from cls_text.pii.gazetteer import load_gazetteer
from cls_text.pii.names import find_names


def names(text: str, protected=()) -> list[str]:
    return [text[s.start : s.end] for s in find_names(text, load_gazetteer(), protected=protected)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # titles (title stays outside the span)
        ("Mrs Patel was really kind.", ["Patel"]),
        ("Dr. O'Neill explained it all.", ["O'Neill"]),
        ("We saw Dr J. Smith twice.", ["J. Smith"]),
        ("Nurse Ratched never called back.", ["Ratched"]),
        ("Mrs May helped.", ["May"]),
        ("Cllr Brown came to the meeting.", ["Brown"]),
        # cue phrases, including names that are also words
        ("my carer Jenny came", ["Jenny"]),
        ("My carer Will comes on Tuesdays.", ["Will"]),
        ("a lady called Sue helped", ["Sue"]),
        ("A lady called May from the council rang.", ["May"]),
        ("Thanks to Mark for everything", ["Mark"]),
        ("Thank you, Grace, you were brilliant.", ["Grace"]),
        ("my support worker Tendai is great", ["Tendai"]),
        ("Sue was lovely", ["Sue"]),
        ("Tendai phoned me twice.", ["Tendai"]),
        # gazetteer first names, anywhere
        ("Jenny's visit helped", ["Jenny"]),
        ("Siobhan from the hub rang", ["Siobhan"]),
        ("I was helped by Wojciech at the drop-in.", ["Wojciech"]),
        # full names and coordination
        ("Rose Patel and Jenny McAllister are great", ["Rose Patel", "Jenny McAllister"]),
        ("Jenny and Sue at the hub", ["Jenny", "Sue"]),
        ("Please thank Rajesh Docherty.", ["Rajesh Docherty"]),
        ("Mary-Jane was kind", ["Mary-Jane"]),
        # lower-case names only right after a cue, and only if not also a word
        ("thanks to jamie for everything", ["jamie"]),
        # ... or a name no list knows, or one the list flags; its surname goes with it
        ("i spoke to tendai mensah and it helped", ["tendai mensah"]),
        ("thanks to catriona for everything", ["catriona"]),
        ("ask for jasmine okafor at the desk", ["jasmine okafor"]),
        ("my carer jenny oyelaran is great", ["jenny oyelaran"]),
    ],
)
def test_names_found(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I hope the service keeps going.",
        "Hope is what the Talking Point gave me.",
        "Will the funding continue after March?",
        "May was a difficult month but June was better.",
        "In May we moved to Bath to be near my daughter.",
        "The Reading group meets on Tuesday.",
        "Sandwell council were very helpful.",
        "Faith groups in Angus have been a big part of this.",
        "Grace periods on the bills helped.",
        "Mark my words, this is better.",
        "The NHS Trust did its best.",
        "Joy and laughter at the lunch club.",
        "Dawn visits are too early for my mum.",
        "We went to the Rose garden in Edinburgh.",
        "Staff at Dudley and Walsall worked together.",
        "I've been lucky. I'm told I'd wasted her time.",
        "I saw a dr. However it was fine.",
        "She was on Alford ward and then Byron House.",
        "Jan-June was hard, and Chester-le-Street too.",
        "The Lady who answered was kind.",
        "Christmas was lonely before I joined.",
        "Support in Lincoln has improved a lot.",
        "Trent PTS has been the best.",
        "Appointment 2:30 pm at Stanley.",
        "ALL CAPS JENNY SHOUTING",
        "thanks to everyone, and to will power",
        "I saw jenny yesterday",
        "Many carers don’t identify as carers",
        "statutory services (like homecare) are a small part",
        "i spoke to someone and it helped",
        "thanks to reception for sorting it",
        "i still feel isolated since moving to ashby fen",
    ],
)
def test_hard_negatives_are_kept(text):
    assert names(text) == []


def test_protected_ranges_are_skipped():
    text = "Thanks to Jenny"
    assert names(text, protected=[(10, 15)]) == []


def test_gazetteer_flags():
    gaz = load_gazetteer()
    assert gaz.names["jenny"].first and not gaz.names["jenny"].ambiguous
    assert gaz.names["hope"].ambiguous
    assert gaz.names["patel"].surname and not gaz.names["patel"].first
    assert "service" in gaz.common_words
