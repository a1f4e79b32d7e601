"""Event marks: the court and the flight number that tell two events of one country and stage apart."""

from __future__ import annotations

import pytest

from monitor.eventmarks import EventMarks, agreed_marks, event_marks


@pytest.mark.parametrize(("title", "court"), [
    ("Supreme Court lets administration resume third-country removals", "supreme"),
    ("El Supremo de EE.UU. permite deportar a migrantes a terceros países", "supreme"),
    ("La Cour suprême autorise les expulsions vers des pays tiers", "supreme"),
    ("Appeals court lets third-country deportations resume", "appeals"),
    ("Corte de apelaciones permite reanudar las deportaciones", "appeals"),
    ("Ghana High Court rules detention of deportees unlawful", "high"),
    ("Judge strikes down the third-country removal policy", "trial"),
    ("Un juge américain invalide la politique d'expulsions", "trial"),
    ("Juiz norte-americano anula política de deportações", "trial"),
    ("Rwanda agrees to take 250 deportees", None),
])
def test_the_court_is_read_in_every_language(title: str, court: str | None) -> None:
    assert event_marks(title, "").court == court


def test_the_headline_names_the_court_before_the_lead() -> None:
    marks = event_marks("Supreme Court clears way for removals", "The ruling overturns a district judge's order.")
    assert marks.court == "supreme"
    assert event_marks("Removals may resume", "A federal judge in Boston ruled on Monday.").court == "trial"


@pytest.mark.parametrize(("title", "batch"), [
    ("Third batch of West African deportees flown to Accra", 3),
    ("Le Ghana reçoit un troisième groupe de 23 expulsés", 3),
    ("Migración confirma segundo grupo de deportados extranjeros", 2),
    ("Second US flight brings eight more deportees to Yaoundé", 2),
    ("Un deuxième vol d'expulsés atterrit à Yaoundé", 2),
    ("Eight men deported from the US arrive in Juba", None),
    ("Second-largest city braces for arrivals", None),
])
def test_the_flight_ordinal_is_read(title: str, batch: int | None) -> None:
    assert event_marks(title, "").batch == batch


def test_marks_conflict_only_when_both_sides_name_a_different_fact() -> None:
    supreme, trial, unknown = EventMarks(court="supreme"), EventMarks(court="trial"), EventMarks()
    assert supreme.conflicts(trial) and trial.conflicts(supreme)
    assert not supreme.conflicts(supreme) and not supreme.conflicts(unknown) and not unknown.conflicts(trial)
    assert EventMarks(batch=2).conflicts(EventMarks(batch=3))
    assert not EventMarks(court="trial", batch=2).conflicts(EventMarks(batch=2))


def test_a_development_keeps_what_most_of_its_reports_say() -> None:
    reports = [EventMarks(court="trial"), EventMarks(court="supreme"), EventMarks(court="trial", batch=2),
               EventMarks()]
    assert agreed_marks(reports) == EventMarks(court="trial", batch=2)
    assert agreed_marks([]) == EventMarks()


@pytest.mark.parametrize("title", [
    "DHS: safe third country deportation flight to Eswatini has landed",
    "Deportation flights to third countries resume after ruling",
    "Vuelo de deportación a un tercer país aterriza en Yuba",
])
def test_third_country_is_not_a_third_flight(title: str) -> None:
    assert event_marks(title, "").batch is None


def test_a_country_s_top_court_is_one_level_whatever_outlets_call_it() -> None:
    sala, constitutional, supreme = (event_marks(t, "") for t in (
        "Sala IV ordena liberar a los migrantes deportados", "Constitutional Court orders release of deportees",
        "Costa Rica's Supreme Court orders release of deportees"))
    assert sala.court == constitutional.court == "high" and supreme.court == "supreme"
    assert not sala.conflicts(supreme) and not constitutional.conflicts(sala)
    assert supreme.conflicts(event_marks("Judge orders release of deportees", ""))


@pytest.mark.parametrize(("title", "total"), [
    ("Third U.S. flight brings the total of deportees in Panama to 299", True),
    ("Ya son 299 los migrantes enviados por EE.UU. a Panamá", True),
    ("Le Panama a reçu 299 migrants expulsés en trois vols", True),
    ("Panamá recebeu 299 deportados ao todo", True),
    ("Panama receives 119 deportees on a first U.S. flight", False),
    ("Court tallies the costs of the deportation program", False),
])
def test_a_running_total_over_several_flights_is_marked(title: str, total: bool) -> None:
    assert event_marks(title, "").total is total
