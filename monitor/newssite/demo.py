"""The demo's articles: two publishing batches about real 2025 third-country deportation events."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.newssite.site import SiteArticle


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


KOSOVO_WIRE = SiteArticle(
    slug="kosovo-agrees-to-take-up-to-50-us-deportees-from-third-countries",
    outlet="wirewatch",
    title="Kosovo agrees to take up to 50 U.S. deportees from third countries",
    section="World",
    published=_at(2025, 6, 11, 18, 40),
    paragraphs=(
        "PRISTINA, June 11 (Wirewatch) - Kosovo has agreed to temporarily take in up to 50 people deported "
        "from the United States who are not citizens of Kosovo, its embassy in Washington said on Wednesday, "
        "making the Balkan country the latest to accept third-country nationals at the Trump "
        "administration's request.",
        "The arrangement will last one year. The embassy said the government had told U.S. officials it was "
        "willing to cooperate on the reception and relocation of third-country nationals under conditions "
        "the two sides had set.",
        "Kosovo will pick the people it receives from a pool proposed by Washington, and only those who meet "
        "criteria related to the rule of law and public order will be accepted, the embassy said. They are "
        "to stay temporarily while their return to their home countries is arranged.",
        "The U.S. State Department welcomed the decision and said it was grateful to Kosovo for receiving "
        "third-country nationals removed from the United States.",
        "Washington has been pressing governments to accept migrants whose own countries are slow or "
        "unwilling to take them back. El Salvador, Costa Rica and Panama have already received deportees "
        "from other countries this year.",
        "Rwanda's foreign minister said in May that his government was in early-stage talks with the United "
        "States about receiving deportees from third countries.",
    ),
)

KOSOVO_MERIDIAN = SiteArticle(
    slug="balkan-ally-to-shelter-migrants-washington-cannot-send-home",
    outlet="daily-meridian",
    title="Balkan ally to shelter migrants Washington cannot send home",
    section="World",
    published=_at(2025, 6, 12, 7, 15),
    paragraphs=(
        "As many as 50 foreign migrants expelled by the United States will be given temporary shelter in "
        "Kosovo for a year, officials in Pristina confirmed, after Prime Minister Albin Kurti's cabinet "
        "answered a request from the Trump administration.",
        "None of the people covered by the deal are Kosovars. They are nationals of other countries whom "
        "U.S. authorities have ordered removed, and Kosovo's role is to host them until they can travel on "
        "to the places they come from.",
        "Pristina will not take everyone Washington proposes. According to a statement from Kosovo's "
        "embassy in the U.S. capital, officials will screen the candidates and accept only those who satisfy "
        "conditions on public order and the rule of law.",
        "The U.S. State Department praised what it called a partner's help in facilitating the safe return "
        "of the migrants to their home countries.",
        "Kosovo, which relies heavily on U.S. diplomatic backing, joins a short list of governments that "
        "have agreed to receive deportees who are not their own citizens, among them several in Central "
        "America.",
        "Human rights lawyers have criticised removals to countries where migrants have no ties, saying "
        "people can be left in legal limbo. The government did not say when the first transfers would take "
        "place.",
    ),
)

KOSOVO_RELEASE = SiteArticle(
    slug="united-states-welcomes-kosovos-decision-to-receive-third-country-nationals",
    outlet="state-dept",
    title="The United States Welcomes Kosovo's Decision to Receive Third-Country Nationals",
    section="Press Releases",
    official=True,
    published=_at(2025, 6, 11, 21, 0),
    paragraphs=(
        "The United States welcomes the decision of the Government of Kosovo to temporarily receive up to 50 "
        "third-country nationals removed from the United States.",
        "We are grateful to our partner Kosovo for receiving these individuals and for helping to facilitate "
        "their safe return to their home countries. Kosovo will select participants from a proposed pool in "
        "line with its rule of law and public order criteria.",
        "This cooperation reflects the close partnership between the United States and Kosovo and our shared "
        "commitment to orderly, lawful migration.",
    ),
)

ESWATINI_FLIGHT = SiteArticle(
    slug="first-us-deportation-flight-lands-in-eswatini-with-five-men",
    outlet="daily-meridian",
    title="First U.S. deportation flight lands in Eswatini with five men from other countries",
    section="Africa",
    published=_at(2025, 7, 16, 9, 30),
    paragraphs=(
        "Five men deported from the United States have arrived in Eswatini on a flight to the small southern "
        "African kingdom, though none of them is from there, the U.S. Department of Homeland Security said.",
        "A DHS spokesperson said the men were nationals of Vietnam, Jamaica, Laos, Cuba and Yemen, and "
        "described them as convicted criminals whose home countries had refused to take them back.",
        "Eswatini government spokesperson Thabile Mdluli said the men were being held in isolation in a "
        "correctional facility and would eventually be sent on to their countries of origin. She did not "
        "say how long that would take.",
        "It is the first group sent to Eswatini under a third-country removal arrangement with Washington. "
        "The government did not disclose the terms of the agreement.",
        "The flight comes weeks after a Supreme Court order cleared the way for the administration to resume "
        "removals to countries other than migrants' own, and shortly after eight men were flown to South "
        "Sudan.",
    ),
)

MEXICO_NEGATIVE = SiteArticle(
    slug="deportation-flight-returns-mexicans-to-villahermosa",
    outlet="wirewatch",
    title="Deportation flight returns Mexicans to Villahermosa",
    section="Americas",
    published=_at(2025, 7, 10, 16, 5),
    paragraphs=(
        "VILLAHERMOSA, Mexico, July 10 (Wirewatch) - A U.S. deportation flight carrying 135 Mexican "
        "nationals landed in Villahermosa, the capital of Tabasco state, on Thursday, part of a program to "
        "fly deportees closer to their home regions rather than leaving them at the northern border.",
        "Mexican officials met the returning citizens at the airport and offered them identity documents, "
        "bus tickets and help finding work under the government's programme for repatriated nationals.",
        "The U.S. Embassy thanked Mexico for its close cooperation in facilitating deportation operations.",
        "Most of those on board were from southern states including Tabasco, Chiapas and Veracruz, the "
        "National Migration Institute said. Several said they had lived in the United States for more than a "
        "decade.",
    ),
)

KOSOVO_ELECTION_NEGATIVE = SiteArticle(
    slug="kosovo-parliament-fails-again-to-elect-speaker",
    outlet="lakeshore-tribune",
    title="Kosovo parliament fails again to elect a speaker as deadlock drags on",
    section="Europe",
    published=_at(2025, 6, 10, 13, 20),
    paragraphs=(
        "Kosovo's newly elected parliament failed again on Tuesday to choose a speaker, extending a "
        "political deadlock that has left the country without a new government months after the "
        "February election.",
        "Prime Minister Albin Kurti's Vetevendosje party won the most votes but fell short of a majority, "
        "and opposition parties have refused to back its nominee for the post.",
        "Diplomats from Washington and European capitals have urged the parties to reach an agreement "
        "quickly, warning that the impasse is delaying reforms and international funding.",
        "Kurti told reporters he would keep proposing the same candidate and accused the opposition of "
        "blocking the institutions for party gain.",
    ),
)

RWANDA_WIRE = SiteArticle(
    slug="rwanda-agrees-to-accept-up-to-250-migrants-from-us",
    outlet="wirewatch",
    title="Rwanda agrees to accept up to 250 migrants deported from U.S.",
    section="Africa",
    published=_at(2025, 8, 5, 11, 10),
    paragraphs=(
        "KIGALI, Aug 5 (Wirewatch) - Rwanda will accept up to 250 migrants deported from the United States "
        "under an agreement with the Trump administration, a government spokesperson said on Tuesday.",
        "Spokesperson Yolande Makolo said Rwanda would keep the ability to approve each person proposed for "
        "resettlement, and that those accepted would receive workforce training, health care and "
        "accommodation.",
        "A Rwandan official said the agreement had been signed in Kigali in June and that Washington had "
        "already sent an initial list of 10 people for vetting.",
        "Rwanda is the latest country to agree to receive deportees who are not its own nationals, following "
        "deals that sent migrants from third countries to South Sudan and Eswatini.",
        "Rwanda's foreign minister had said in May that talks with the United States were at an early stage.",
    ),
)

KOSOVO_TRIBUNE = SiteArticle(
    slug="kosovo-says-yes-to-hosting-third-country-deportees",
    outlet="lakeshore-tribune",
    title="Kosovo says yes to hosting third-country deportees for a year",
    section="Europe",
    published=_at(2025, 6, 12, 15, 45),
    paragraphs=(
        "Kosovo's government has confirmed it will receive up to 50 third-country nationals deported from "
        "the United States, agreeing to a U.S. request to host them for one year.",
        "The people sent to Kosovo will be chosen from a list supplied by Washington and must meet "
        "conditions on the rule of law and public order, the Kosovo embassy in the United States said.",
        "They will be relocated temporarily while their return to their countries of origin is prepared.",
        "The State Department thanked Kosovo for agreeing to receive the deportees.",
        "Costa Rica and Panama received deportees from other countries earlier this year under similar "
        "arrangements with the Trump administration.",
    ),
)

DEMO_FIRST: tuple[SiteArticle, ...] = (
    KOSOVO_WIRE,
    KOSOVO_MERIDIAN,
    KOSOVO_RELEASE,
    ESWATINI_FLIGHT,
    MEXICO_NEGATIVE,
    KOSOVO_ELECTION_NEGATIVE,
)
DEMO_SECOND: tuple[SiteArticle, ...] = (RWANDA_WIRE, KOSOVO_TRIBUNE)


def demo_articles() -> tuple[list[SiteArticle], list[SiteArticle]]:
    """First batch: Kosovo ×2 + official release, Eswatini, two negatives; second: Rwanda, Kosovo."""
    return list(DEMO_FIRST), list(DEMO_SECOND)
