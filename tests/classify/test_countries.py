"""Gazetteer: names in several languages, aliases, capitals and demonyms map to ISO codes and back."""

from __future__ import annotations

import pytest

from monitor.classify import country_code, country_name
from monitor.classify.countries import find_mentions, is_demonym
from monitor.classify.text import Doc

CODES = [
    ("Kosovo", "XK"), ("Kosova", "XK"), ("Swaziland", "SZ"), ("Esuatini", "SZ"), ("eSwatini", "SZ"),
    ("Soudan du Sud", "SS"), ("Sudão do Sul", "SS"), ("Sudán del Sur", "SS"), ("Guinea Ecuatorial", "GQ"),
    ("Guinée équatoriale", "GQ"), ("Costa Rica", "CR"), ("St. Kitts", "KN"), ("Saint Kitts and Nevis", "KN"),
    ("Antigua", "AG"), ("EE.UU.", "US"), ("États-Unis", "US"), ("Camarões", "CM"), ("Ruanda", "RW"),
    ("Accra", "GH"), ("Juba", "SS"), ("Kigali", "RW"), ("Yaoundé", "CM"), ("Malabo", "GQ"),
    ("Mbabane", "SZ"), ("Matsapha", "SZ"), ("Koror", "PW"), ("Melekeok", "PW"), ("Pristina", "XK"),
    ("Kampala", "UG"), ("San José", "CR"), ("mexicanos", "MX"), ("Équato-Guinéens", "GQ"),
    ("Venezuelans", "VE"), ("ghanéens", "GH"), ("Vietnam", "VN"), ("Viet Nam", "VN"), ("xk", "XK"),
    ("Yuba", "SS"), ("Lusaka", "ZM"), ("Acra", "GH"), ("Nuakchot", "MR"), ("Londres", "GB"), ("Chad", "TD"),
    ("Centro de Confinamiento del Terrorismo", "SV"), ("Camp Lemonnier", "DJ"),
]
NAMES = [
    ("XK", "Kosovo"), ("SZ", "Eswatini"), ("SS", "South Sudan"), ("GQ", "Equatorial Guinea"),
    ("AG", "Antigua and Barbuda"), ("KN", "Saint Kitts and Nevis"), ("CR", "Costa Rica"), ("PW", "Palau"),
    ("CD", "Democratic Republic of the Congo"), ("VN", "Vietnam"), ("cm", "Cameroon"),
]


@pytest.mark.parametrize(("name", "code"), CODES)
def test_country_code(name: str, code: str) -> None:
    assert country_code(name) == code


@pytest.mark.parametrize(("code", "name"), NAMES)
def test_country_name(code: str, name: str) -> None:
    assert country_name(code) == name


def test_unknown_names() -> None:
    assert country_code("Atlantis") is None
    assert country_code("") is None
    with pytest.raises(KeyError):
        country_name("QQ")


def test_every_code_round_trips_through_its_name() -> None:
    for code in ("XK", "SZ", "SS", "GQ", "AG", "KN", "GH", "UG", "RW", "HN", "PY", "BZ", "EC", "DM", "GY"):
        assert country_code(country_name(code)) == code


def test_mentions_are_longest_first_and_skip_regions_and_words() -> None:
    doc = Doc.from_article("South Sudan and Papua New Guinea", "Latin America. We told us. El Madrid gana. "
                           "Equatorial Guinea, New Mexico and the US.")
    found = [(m.code, m.kind) for m in find_mentions(doc)]
    assert found == [("SS", "country"), ("PG", "country"), ("", "region"), ("GQ", "country"), ("US", "country"),
                     ("US", "country")]


def test_demonyms() -> None:
    assert is_demonym("venezuelans") and is_demonym("mexicano") and is_demonym("swazi")
    assert not is_demonym("migrants") and not is_demonym("kosovo")


def test_a_country_that_is_also_a_given_name_needs_no_surname_after_it() -> None:
    doc = Doc.from_article("Chad agrees to receive deportees", "Former DHS chief Chad Wolf criticised the deal.")
    assert [(m.code, m.surface) for m in find_mentions(doc) if m.code == "TD"] == [("TD", "Chad")]
