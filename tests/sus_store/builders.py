"""Records and a small organisation for store tests (Skatteverket test personnummer)."""

from __future__ import annotations

from datetime import date

from intake.sus.records import Inregistrering, Samtycke, Utregistrering, record_from_contract
from sus_store import ConsentIn, ForbundIn, InsatsIn, Store, add_forbund, add_insats
from sus_store.vocab import Deltagarform

TODAY = date(2026, 11, 25)
KVINNA = "198001022386"
KVINNA_2 = "198001032385"
MAN = "198001022394"
FORBUND = "Samordningsförbundet Pyramis"
INSATS = "Steg till arbete"
ANONYM_INSATS = "Öppen mötesplats"
VOLYM_INSATS = "Föreläsningsserie"
ADMIN = "admin"
SCAN = b"%PDF-1.4 signed consent scan of a test person\n"


def organisation(store: Store) -> None:
    """One förbund (from 2015) with a personal, an anonymous-only and a volym insats."""
    with store.transaction() as session:
        add_forbund(session, ForbundIn(name=FORBUND, startdatum=date(2015, 1, 1)), actor=ADMIN)
        for name, form in ((INSATS, Deltagarform.PERSONUPPGIFTER),
                           (ANONYM_INSATS, Deltagarform.ANONYM),
                           (VOLYM_INSATS, Deltagarform.VOLYM)):
            add_insats(session, InsatsIn(forbund=FORBUND, name=name, deltagarform=form,
                                         period_start=date(2020, 1, 1),
                                         period_end=date(2027, 12, 31)), actor=ADMIN)


def inregistrering(personnummer: str = KVINNA, *, startdatum: str = "2026-11-02",
                   insats: str = INSATS, forbund: str = FORBUND) -> Inregistrering:
    record = record_from_contract("9448", {
        "samverkansorganisation": forbund, "insats": insats, "personnummer": personnummer,
        "namn": "Åsa Öberg-Test", "startdatum": startdatum, "kommun": "Uppsala",
        "utbildning": "gymnasium", "forsorjningstid": "upp_till_2_ar",
        "forsorjning": ["a_kassa"], "aktivt_arbetssokande": True, "forvarvsarbete": False,
        "studerar": False,
    })
    assert isinstance(record, Inregistrering)
    return record


def utregistrering(personnummer: str = KVINNA, *, code: int = 1,
                   avslutningsdatum: str = "2026-11-20", insats: str = INSATS,
                   matning: bool = True) -> Utregistrering:
    after: dict[str, object] = {
        "forsorjning": ["ingen_offentlig_forsorjning"], "aktivt_arbetssokande": False,
        "forvarvsarbete": True, "arbete_procent": 75, "arbete_typ": "inte_subventionerat",
        "studerar": False,
    } if matning else {}
    record = record_from_contract("9449", {
        "samverkansorganisation": FORBUND, "insats": insats, "personnummer": personnummer,
        "namn": "Åsa Öberg-Test", "avslutningsdatum": avslutningsdatum,
        "avslutningsanledning": code, **after,
    })
    assert isinstance(record, Utregistrering)
    return record


def consent(personnummer: str = KVINNA, *, signed: bool = True,
            scan: bytes = SCAN) -> ConsentIn:
    record = Samtycke(personnummer=personnummer, underskrift=signed, ort="Uppsala",
                      datum=date(2026, 11, 1), namnfortydligande="Åsa Öberg-Test")
    return ConsentIn(record=record, scan=scan + personnummer.encode(),
                     media_type="application/pdf")
