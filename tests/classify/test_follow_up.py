"""Reports just below the relevance threshold: a follow-up reading, counted only beside a fresh development."""

from __future__ import annotations

from datetime import date

from monitor.classify import Classifier
from monitor.classify.classifier import FOLLOW_UP_FLOOR, FOLLOW_UP_MODEL, THRESHOLD
from monitor.classify.corpus import LabelRow
from monitor.evaluate import predict
from monitor.types import Stage

# A detail about people already reported: little of the topic's vocabulary, one country, one number.
DETAIL = ("Five men held in isolation at Matsapha",
          "The five deportees are kept apart from other inmates at the correctional centre in Eswatini, "
          "a spokesperson said.")
LANDED = ("Eswatini receives five deportees from the United States",
          "A U.S. deportation flight carrying five men from Vietnam, Jamaica, Laos, Cuba and Yemen landed in "
          "Eswatini on Tuesday, the Department of Homeland Security said. The men are not Swazi nationals.")


def _row(n: int, title: str, text: str, day: int) -> LabelRow:
    return LabelRow(id=f"r{n}", title=title, text=text, label="positive", language="en",
                    published=date(2025, 7, day))


def test_a_detail_below_the_threshold_carries_a_follow_up_reading(classifier: Classifier) -> None:
    result = classifier.classify(*DETAIL)
    assert not result.relevant and FOLLOW_UP_FLOOR <= result.score < THRESHOLD
    assert result.follow_up is not None and result.follow_up.relevant
    assert (result.follow_up.receiving_country, result.follow_up.stage, result.follow_up.deportee_count) == (
        "Eswatini", Stage.FIRST_ARRIVALS, 5)
    assert result.receiving_country is None and result.as_dict()["follow_up_country"] == "Eswatini"


def test_a_detail_in_few_topic_words_carries_one_when_worded_like_news(classifier: Classifier) -> None:
    # Almost none of the rules' vocabulary: the model's probability qualifies it, and its reasons say so.
    result = classifier.classify("Matsapha holds the five, spokesperson says",
                                 "The five men flown in last week are in a separate unit of the correctional centre "
                                 "in Eswatini and are in good health, a government spokesperson said on Thursday.")
    assert not result.relevant and result.score < FOLLOW_UP_FLOOR
    model_p = float(result.reasons[0].split("model ")[1].rstrip(")"))
    assert model_p >= FOLLOW_UP_MODEL
    assert result.follow_up is not None and result.follow_up.receiving_country == "Eswatini"


def test_taking_back_its_own_gang_members_carries_none(classifier: Classifier) -> None:
    # Worded like the news (the model's probability is high) but the rules see nationals taken back.
    result = classifier.classify("El Salvador takes back 23 gang members deported from the U.S.",
                                 "Twenty-three Salvadoran members of a gang were returned to El Salvador by the "
                                 "United States and taken to the country's maximum-security prison, the president "
                                 "said. The men were Salvadoran nationals with pending cases in their own country.")
    assert not result.relevant and result.follow_up is None


def test_the_country_s_trade_news_carries_none(classifier: Classifier) -> None:
    # Worded much like the corpus's news (a U.S. programme, an agreement, the capital) but about no people.
    result = classifier.classify("Ghana cocoa farmers fear losses as U.S. trade preferences lapse",
                                 "Cocoa exporters in Ghana warn of losses after the U.S. trade programme that gave "
                                 "the country duty-free access expired. Exporters in Accra and Kumasi say American "
                                 "buyers are holding back orders until Washington says whether the agreement will "
                                 "be renewed.")
    model_p = float(result.reasons[0].split("model ")[1].rstrip(")"))
    assert not result.relevant and result.score < FOLLOW_UP_FLOOR and model_p >= FOLLOW_UP_MODEL
    assert result.follow_up is None


def test_look_alikes_and_unrelated_news_carry_none(classifier: Classifier) -> None:
    explainer = classifier.classify("Explainer: how Eswatini came to take third-country deportees",
                                    "Five men deported from the United States arrived in Eswatini in July under a "
                                    "deal with Washington. Here is what we know about the deal and the men.")
    own = classifier.classify("Eswatini receives 12 Swazi nationals deported from the United States",
                              "Twelve Swazi citizens deported from the United States landed in Eswatini on "
                              "Tuesday, the government said.")
    festival = classifier.classify("Eswatini king opens reed dance festival",
                                   "Thousands gathered in Eswatini for the annual festival, the king's office said.")
    for result in (explainer, own, festival):
        assert not result.relevant and result.follow_up is None
    # The look-alikes are capped by their pattern right at the floor's level; the festival is far below it.
    assert explainer.score >= FOLLOW_UP_FLOOR and own.score >= FOLLOW_UP_FLOOR > festival.score


def test_eval_counts_a_follow_up_only_beside_its_development(classifier: Classifier) -> None:
    later = (DETAIL[0], DETAIL[1].replace("a spokesperson said", "a spokesperson said on Friday"))
    rows = [_row(1, *LANDED, day=15), _row(2, *DETAIL, day=16), _row(3, *later, day=25)]
    landed, detail, alone = predict(rows, classifier)
    assert landed.relevant and landed.receiving_country == "Eswatini" and landed.development is not None
    assert detail.relevant and detail.development == landed.development and detail.receiving_country == "Eswatini"
    # Nine days later nothing of Eswatini is fresh.
    assert not alone.relevant and alone.development is None
    alone_only = predict([_row(4, *DETAIL, day=16)], classifier)[0]
    assert not alone_only.relevant and alone_only.development is None
