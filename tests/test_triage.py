"""The triage classifier: its contract, its rules, its data, and hostile input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timezone

import pytest

from triage import CATEGORIES, EXCLUSIONS, SERVICE_AREAS, TriageInput, classify, classify_many
from triage import model as triage_model
from triage.dataset import by_split, data_digest, data_files, load, split_of
from triage.dates import read_time_limit
from triage.pipeline import RULE_CLEARED_BELOW, load_model, urgent_flags
from triage.signals import URGENT, find
from triage.text import MAX_CHARS

RECEIVED = datetime(2026, 10, 3, 9, 14, tzinfo=timezone.utc)


def contact(text: str, subject: str | None = None, received: datetime = RECEIVED, channel: str = "email") -> TriageInput:
    return TriageInput(text=text, subject=subject, channel=channel, received_at=received, id="t")


def test_the_built_model_matches_the_data_it_claims():
    meta = load_model().meta
    assert meta["data_digest"] == data_digest(data_files()), "run `heard triage train` (make does) after changing the data"
    assert meta["version"] == triage_model.VERSION


def test_training_data_follows_the_label_contract():
    examples = load()
    assert len(examples) >= 2500
    assert len({e.id for e in examples}) == len(examples)
    assert {e.channel for e in examples} == {"email", "voice", "social", "sms", "web"}
    for e in examples:
        assert e.category in CATEGORIES and e.service_area in SERVICE_AREAS
        assert (e.exclusion in EXCLUSIONS) if e.category == "excluded" else e.exclusion is None
        assert e.received_at.tzinfo is not None and e.text.strip()
    exclusions = Counter(e.exclusion for e in examples if e.exclusion)
    assert set(exclusions) == set(EXCLUSIONS) and min(exclusions.values()) >= 50
    assert min(Counter(e.service_area for e in examples).values()) >= 150
    assert sum(e.urgent for e in examples) >= 100


def test_the_split_is_fixed_by_id_alone():
    assert split_of("email-0001") == split_of("email-0001")
    sizes = {name: len(rows) for name, rows in by_split(load()).items()}
    total = sum(sizes.values())
    assert 0.65 < sizes["train"] / total < 0.75 and 0.12 < sizes["test"] / total < 0.18


@pytest.mark.parametrize(
    ("text", "category", "exclusion", "area"),
    [
        ("Third week running the bin has been missed. I reported it twice and nothing happened. Not good enough.", "complaint", None, "waste"),
        ("Hi, could you please collect a sofa and a fridge from 12 Ouse Walk, Huntingdon? Happy to pay.", "service_request", None, "waste"),
        ("I want to appeal PCN HU12345678, I was only two minutes over and the machine was broken.", "excluded", "parking_appeal", "parking"),
        ("Under the Freedom of Information Act please send me the number of fly-tipping reports in 2025.", "excluded", "information_request", "street_scene"),
        ("Just wanted to say a huge thank you to Sharon in the contact centre, she was so patient and helpful.", "compliment", None, "customer_services"),
    ],
)
def test_clear_cases(text, category, exclusion, area):
    result = classify(contact(text))
    assert (result.category, result.exclusion, result.service_area) == (category, exclusion, area), result.signals
    assert result.signals and result.model_version.startswith("spacy-bow+tfidf@")


def test_a_complaint_about_events_over_a_year_old_is_out_of_time():
    result = classify(contact("I want to complain about how rude your council tax officer was to me on the phone in March 2024."))
    assert (result.category, result.exclusion) == ("excluded", "out_of_time")
    assert any("12 months" in s for s in result.signals)


def test_a_request_with_its_own_route_keeps_it_however_old_its_events():
    result = classify(contact("Freedom of Information request. Please send me the number of people counted sleeping "
                              "rough in the district at each annual count since 2021, and the council's spend on "
                              "outreach in each year."))
    assert (result.category, result.exclusion) == ("excluded", "information_request"), result.signals


def test_a_good_reason_keeps_an_old_complaint_in_time():
    result = classify(contact("I was in hospital for most of last year. In March 2024 your officer lost my housing forms "
                              "and I want to complain about it now."))
    assert result.category == "complaint"


def test_every_result_uses_only_contract_labels():
    examples = by_split(load())["dev"][:100]
    for result in classify_many(contact(e.text, e.subject, e.received_at, e.channel) for e in examples):
        assert result.category in CATEGORIES and result.service_area in SERVICE_AREAS
        assert (result.exclusion in EXCLUSIONS) if result.category == "excluded" else result.exclusion is None
        assert all(0.0 <= value <= 1.0 for value in result.confidence.values())


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t ", "🙂🙂🗑️🗑️", "\x00\x01\x02\xff binary \x7f junk \x1b[31m",
     "<script>alert('x')</script><b>bin</b>", "Mae'r bin heb ei gasglu ers pythefnos, diolch.",
     "La poubelle n'a pas été vidée depuis deux semaines.", "a" * 1_000_000, "bin " * 300_000],
)
def test_hostile_and_broken_input_gets_a_result_never_an_exception(text):
    result = classify(contact(text))
    assert result.category in CATEGORIES and result.service_area in SERVICE_AREAS
    if not any(ch.isalpha() and ch.isascii() for ch in text):
        assert result.needs_review and result.confidence["category"] == 0.0
        assert any("no readable words" in s for s in result.signals)


def test_a_batch_may_end_with_a_contact_of_no_words():
    """The lexical model's rows are built for a whole batch; a wordless last row must not
    break the batch (it once raised IndexError)."""
    results = list(classify_many([contact("My green bin was not emptied on Tuesday"), contact("🙂🙂🗑️"), contact("!!")]))
    assert [r.needs_review for r in results[1:]] == [True, True] and results[0].category in CATEGORIES


def test_the_length_read_is_bounded():
    long = "My bin was missed. " + "x" * (MAX_CHARS * 3) + " PCN HU12345678 appeal"
    reading = triage_model.read(None, long, RECEIVED)
    assert len(reading.text) == MAX_CHARS and not any(hit.rule == "pcn" for hit in reading.signals)


@pytest.mark.parametrize(
    "text",
    ["I can't go on any more, I keep thinking everyone would be better off without me",
     "My neighbour said he will stab me if I park there again",
     "I need to get out, my partner is violent and I have two kids",
     "The two kids next door have been left alone in the flat since Tuesday",
     "I've been evicted today and I'm sleeping in my car tonight",
     "My mum is 89 and has had no heating for three days, it is freezing",
     "There's a strong smell of gas in the stairwell of the block",
     "not ate since wed legs gone. nobody comes now",
     "He reads all my post and I'm not allowed my own bank card, is there a safe way to contact me",
     "One of the drivers keeps following me home after my shift",
     "sorry i couldn't keep going. thank you for being kind"],
)
def test_risks_to_life_are_flagged_urgent(text):
    result = classify(contact(text))
    assert result.urgent and all(flag.reason for flag in result.flags)


@pytest.mark.parametrize(
    "text",
    ["props to the phone team. been sat by the river all afternoon trying to work up the nerve",
     "thanks for the bailiff letter, really helps when you've already written the goodbye notes",
     "the lad next door is lobbing bricks at our front window again",
     "Last night I could hear him hitting her through the wall",
     "I'm writing this at the library because I'm not allowed to use the computer at home",
     "my little girl is struggling to breathe tonight with the mould",
     "they left the wardrobe against my back door, im in a wheelchair. im stuck in.",
     "kids from the flats are making a den out of the broken asbestos sheets by the garages",
     "Ombudsman said no. Fine. Standing on the bridge by the ring road typing this",
     "pls empty the caddy. if i go quiet i've finally done something stupid",
     "he came round about the fence, pinned me against the car and said he'd bury me",
     "since the eviction I've been sleeping on the night buses",
     "the landlord cut the electric off on Friday and my baby is 3 weeks old",
     "the bag with my insulin was stolen, I've had no insulin since yesterday",
     "a sinkhole opened in the car park overnight and people are walking up to the edge",
     "boiler broke fri, baby is 4 months, landlord not answering",
     "my dad's boiler's packed in and he's eighty seven",
     "the house is freezing and mum has copd",
     "radiators stone cold in the hostel room, baby is 6 weeks",
     "she's 93 and her heating has packed in",
     "can't top up the meter till Monday and my son is disabled"],
)
def test_risks_said_in_passing_trip_a_rule(text):
    assert find(URGENT, text.lower())


@pytest.mark.parametrize(
    "text",
    ["This queue is killing me, 40 minutes on hold", "I'm dying to know when the new pool opens",
     "I could murder a coffee after that council meeting", "The pool was freezing this morning, brr",
     "My wife will kill me if the bin sits there another fortnight",
     "I am following up my email of last week about the garden waste renewal",
     "Residents are not allowed to park in the bays outside the leisure centre after 6",
     "The verge team keep cutting the grass too short outside number 4",
     "The council mower threw a stone up and cracked my windscreen",
     "I'm stuck in traffic on the ring road every morning because of the roadworks",
     "My lad cut his leg on the zip wire in the park last summer, it's healed now",
     "Is asbestos garage roofing taken at the tip, or do I book a special collection?",
     "I stood on the bridge over the river and counted six shopping trolleys in the water",
     "I did something stupid and paid my council tax into the business rates account",
     "The changing rooms at the pool are freezing, my toddler was shivering",
     "Last winter our boiler packed up for a week; it's fixed, but are there grants for a new one?"],
)
def test_figures_of_speech_and_look_alikes_are_not_urgent(text):
    assert not find(URGENT, text.lower())


def test_a_rule_hit_flags_unless_the_readers_all_but_rule_out_a_present_risk():
    hits = find(URGENT, "i've been sleeping rough since friday")
    assert [flag.reason for flag in urgent_flags(hits, 0.2, threshold=0.5)] == [hits[0].description]
    assert urgent_flags(hits, RULE_CLEARED_BELOW / 2, threshold=0.5) == []
    assert urgent_flags([], 0.49, threshold=0.5) == []
    assert urgent_flags([], 0.5, threshold=0.5)[0].reason.startswith("model: ")


@pytest.mark.parametrize(
    "text",
    ["Hi, I volunteer with a suicide prevention charity and we'd like to hire the small hall at the sports "
     "centre for a training evening in March. What are the rates?",
     "Hello, our charity would like to book a stand in the leisure centre foyer for a domestic abuse "
     "awareness morning next spring. Is there a charge, and who do I send our risk assessment to?"],
)
def test_safeguarding_words_as_a_topic_go_to_an_officer_not_the_urgent_queue(text):
    result = classify(contact(text))
    assert find(URGENT, text.lower()) and not result.urgent
    assert result.needs_review and any("for an officer to check" in signal for signal in result.signals)


def test_dates_are_resolved_against_receipt():
    limit = read_time_limit("it started in 2022 and happened again last week", date(2026, 1, 10))
    assert limit.within_limit and not limit.out_of_time
    limit = read_time_limit("this was back in the spring of twenty twenty four", date(2025, 7, 6))
    assert limit.over_limit and limit.out_of_time
    assert read_time_limit("on 03/10/2026 the bin was missed", date(2026, 10, 10)).age_days == 7
    assert read_time_limit("in 2031 we will move", date(2026, 1, 1)).most_recent is None


def test_classify_command_streams_json_lines_and_explains_bad_lines():
    lines = [
        json.dumps({"id": "c-1", "channel": "sms", "received_at": "2026-10-03T09:14:00+01:00",
                    "text": "bin not emptied again 3rd time this month!!"}),
        "this is not json",
        json.dumps({"id": "c-2", "text": 42}),
        json.dumps({"id": "c-3", "received_at": "yesterday", "text": "hello"}),
        json.dumps([1, 2]),
    ] + [json.dumps({"id": f"n-{i}", "channel": "web", "received_at": "2026-10-03T09:14:00+01:00",
                     "text": f"Please collect my bulky waste, item {i}"}) for i in range(600)]
    run = subprocess.run([sys.executable, "-m", "heard.cli", "triage", "classify"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, timeout=120, check=True)
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["id"] == "c-1" and out[0]["category"] == "complaint" and out[0]["service_area"] == "waste"
    assert set(out[0]) == {"id", "category", "exclusion", "service_area", "confidence", "flags"}
    assert "not JSON" in out[1]["error"] and "text must be a string" in out[2]["error"]
    assert "received_at" in out[3]["error"] and "not a JSON object" in out[4]["error"]
    assert [row["id"] for row in out[5:]] == [f"n-{i}" for i in range(600)]


def test_training_is_reproducible():
    examples = by_split(load())
    small_train, small_dev = examples["train"][:150], examples["dev"][:60]
    first = triage_model.train(small_train, small_dev, max_epochs=2)
    second = triage_model.train(small_train, small_dev, max_epochs=2)
    texts = [triage_model.feature_text(e.subject, e.text, e.received_at) for e in small_dev]
    assert [d.cats for d in first.nlp.pipe(texts)] == [d.cats for d in second.nlp.pipe(texts)]
    assert first.temperatures == second.temperatures


def test_the_lexical_model_reads_text_exactly_as_scikit_learn_would():
    """Serving reimplements scikit-learn's TF-IDF transform to keep workers small; it must agree."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from scipy.sparse import hstack

    from triage import lexical
    from triage.text import readable

    splits = by_split(load())
    train = [readable(e.subject, e.text).lower() for e in splits["train"][:400]]
    areas = [e.service_area for e in splits["train"][:400]]
    held_out = ([readable(e.subject, e.text).lower() for e in splits["dev"][:60]]
                + ["", "!!", "x", "bin " * 500, "Ŵ ŷ caerdydd bin", "a\tb  c\n\nbinbag", "🙂"])
    ours = lexical.fit(train, {"service_area": areas})
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(train)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=lexical.CHARS, sublinear_tf=True, min_df=lexical.CHAR_MIN_DF).fit(train)
    theirs = hstack([words.transform(held_out), chars.transform(held_out)], format="csr")
    assert abs(ours._features(held_out) - theirs).max() <= 1e-12
    head = ours.heads["service_area"]
    assert head.labels == sorted(set(areas)) and head.coef.shape == (len(head.labels), theirs.shape[1])


def test_the_weights_are_laid_out_as_the_sparse_product_reads_them():
    """In the other order scipy copies every head's weights on each call (see `lexical.Head`),
    which made one `classify` four times slower."""
    import numpy as np

    from triage.lexical import Head

    given_in_c_order = Head(["no", "yes"], np.arange(6.0).reshape(2, 3), np.zeros(2))
    assert given_in_c_order.coef.T.flags.c_contiguous and given_in_c_order.coef[1, 2] == 5.0
    assert all(head.coef.T.flags.c_contiguous for head in load_model().lexical.heads.values())


def test_a_terms_ratio_says_which_label_it_belongs_to():
    """The naive Bayes weighting: a term found only in one label's texts counts for that
    label and against the others; a term found everywhere counts for none."""
    import numpy as np
    from scipy.sparse import csr_matrix

    from triage.lexical import log_count_ratios

    # columns: "bin" (waste texts only), "the" (every text), "tax" (council tax only)
    present = csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1], [0, 1, 1]], dtype=float))
    waste = np.array([True, True, False, False])
    ratios = log_count_ratios(present, waste)
    assert ratios[0] > 0 > ratios[2]
    assert ratios[1] == pytest.approx(0.0)
    assert ratios[0] == pytest.approx(-ratios[2])


def test_the_saved_model_holds_no_pickles():
    """Loading a model directory must never run code, so the lexical weights are plain arrays."""
    import numpy as np

    from triage.pipeline import model_path

    lexical = load_model().lexical
    assert lexical.words.columns and lexical.chars.columns
    assert lexical.words.idf.dtype == lexical.chars.idf.dtype == np.float64
    with np.load(model_path() / "lexical" / "weights.npz", allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)
