"""street_only: a delivery card shows the street and building, never the flat."""

from __future__ import annotations

import pytest

from bot.domain.street import street_only


@pytest.mark.parametrize(("address", "street"), [
    ("вул. Європейська, 5, кв. 7", "вул. Європейська, 5"),
    ("ул. Красная Пресня, д. 12, кв. 34", "ул. Красная Пресня, д. 12"),
    ("ул. Ленина 5 квартира 12", "ул. Ленина 5"),
    ("下洋田社区 3栋 2单元 501", "下洋田社区 3栋"),
    ("抚琴街道 12号楼 301室", "抚琴街道 12号楼"),
    ("人民路88号 1201室", "人民路88号"),
    ("Lenina 5 34", "Lenina 5"),
    ("10 Downing St, flat 2", "10 Downing St"),
    ("Main street 10, apt. 5", "Main street 10"),
    ("Центральна площа", "Центральна площа"),
    ("", ""),
    (None, ""),
])
def test_the_flat_is_cut(address: str | None, street: str) -> None:
    assert street_only(address) == street


@pytest.mark.parametrize("address", [
    "вул. Європейська, 5, кв. 7", "ул. Красная Пресня, д. 12, кв. 34", "下洋田社区 3栋 2单元 501", "Lenina 5 34",
])
def test_the_flat_number_is_never_shown(address: str) -> None:
    flat = address.split()[-1]
    assert flat not in street_only(address).split()
