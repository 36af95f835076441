"""The option codes of the SUS forms (SPEC §2), each with its printed Swedish label.

Codes are ASCII identifiers; labels are exactly as printed on the forms. These
enums are the vocabulary the form definitions (``intake/forms/data``) refer to.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Self


class LabelledCode(StrEnum):
    """A string code that also carries the Swedish label printed on the form."""

    label: str

    def __new__(cls, code: str, label: str) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member


def label_of(vocabulary: type[LabelledCode], code: str) -> str:
    """The printed label of option ``code`` in ``vocabulary``."""
    for member in vocabulary:
        if member.value == code:
            return member.label
    raise KeyError(f"{vocabulary.__name__} has no option {code!r}")


class FormId(StrEnum):
    FK9443 = "9443"
    FK9448 = "9448"
    FK9449 = "9449"


class Kon(LabelledCode):
    """Kön as SUS counts it, derived from the personnummer (SPEC §4)."""

    KVINNA = ("kvinna", "Kvinna")
    MAN = ("man", "Man")


class Utbildning(LabelledCode):
    GRUNDSKOLA = ("grundskola", "Grundskola")
    GYMNASIUM = ("gymnasium", "Gymnasium")
    HOGSKOLA_UPP_TILL_1_AR = ("hogskola_upp_till_1_ar", "Högskola/universitet upp till ett år")
    HOGSKOLA_UPP_TILL_3_AR = ("hogskola_upp_till_3_ar", "Högskola/universitet upp till tre år")
    HOGSKOLA_MER_AN_3_AR = ("hogskola_mer_an_3_ar", "Högskola/universitet mer än tre år")
    ANNAN_EFTERGYMNASIAL = ("annan_eftergymnasial", "Annan eftergymnasial utbildning")
    SAKNAS_OKAND = ("saknas_okand", "Saknas/okänd")


class Forsorjningstid(LabelledCode):
    UPP_TILL_1_AR = ("upp_till_1_ar", "Upp till 1 år")
    UPP_TILL_2_AR = ("upp_till_2_ar", "Upp till 2 år")
    UPP_TILL_3_AR = ("upp_till_3_ar", "Upp till 3 år")
    UPP_TILL_4_AR = ("upp_till_4_ar", "Upp till 4 år")
    UPP_TILL_5_AR = ("upp_till_5_ar", "Upp till 5 år")
    UPP_TILL_6_AR = ("upp_till_6_ar", "Upp till 6 år")
    UPP_TILL_7_AR = ("upp_till_7_ar", "Upp till 7 år")
    UPP_TILL_8_AR = ("upp_till_8_ar", "Upp till 8 år")
    UPP_TILL_9_AR = ("upp_till_9_ar", "Upp till 9 år")
    MER_AN_9_AR = ("mer_an_9_ar", "Mer än 9 år")
    EJ_TILLAMPLIGT = ("ej_tillampligt", "EJ tillämpligt")


class Forsorjning(LabelledCode):
    SJUKPENNING_REHABILITERINGSPENNING = (
        "sjukpenning_rehabiliteringspenning",
        "Sjukpenning/rehabiliteringspenning",
    )
    AKTIVITETSERSATTNING = ("aktivitetsersattning", "Aktivitetsersättning")
    SJUKERSATTNING = ("sjukersattning", "Sjukersättning")
    A_KASSA = ("a_kassa", "A-kassa")
    AKTIVITETSSTOD = ("aktivitetsstod", "Aktivitetsstöd")
    FORSORJNINGSSTOD = ("forsorjningsstod", "Försörjningsstöd")
    STUDIESTOD_STUDIEMEDEL = ("studiestod_studiemedel", "Studiestöd/studiemedel")
    ANNAN_OFFENTLIG_FORSORJNING = ("annan_offentlig_forsorjning", "Annan offentlig försörjning")
    INGEN_OFFENTLIG_FORSORJNING = ("ingen_offentlig_forsorjning", "Ingen offentlig försörjning")


class ArbeteTyp(LabelledCode):
    INTE_SUBVENTIONERAT = ("inte_subventionerat", "inte subventionerat arbete")
    SUBVENTIONERAT = ("subventionerat", "subventionerat arbete")
    EGET_FORETAG = ("eget_foretag", "eget företag")


class YesNo(LabelledCode):
    """The two boxes of a yes/no question; the record value is True/False/None."""

    JA = ("ja", "Ja")
    NEJ = ("nej", "Nej")


class Avslutningsanledning(IntEnum):
    """Avslutningsanledning codes 1–9 as printed on FK 9449 (seed 000)."""

    label: str
    description: str

    def __new__(cls, code: int, label: str, description: str) -> Self:
        member = int.__new__(cls, code)
        member._value_ = code
        member.label = label
        member.description = description
        return member

    TILL_ARBETE_STUDIER = (
        1,
        "Utskrivning – till arbete, studier eller arbetssökande",
        "Deltagaren går vidare till arbete (med/utan subvention/eget företag) eller studier,"
        " eller är aktivt arbetssökande efter insatsen.",
    )
    FORTSATT_REHABILITERING = (
        2,
        "Utskrivning – fortsatt rehabilitering",
        "Deltagaren går vidare till annan rehabiliteringsinsats efter avslutad insats, till"
        " exempel fortsatt arbetslivsriktad rehabilitering i den ordinarie"
        " myndighetsverksamheten eller i fortsatt samverkan.",
    )
    SJUKDOM = (
        3,
        "Utskrivning på grund av sjukdom",
        "Deltagaren avslutar insatsen på grund av försämrat hälsotillstånd eller att"
        " hälsotillståndet inte medger fortsatt deltagande i insatsen. Rehabilitering mot"
        " arbete är inte aktuellt i dagsläget för deltagaren.",
    )
    FORALDRALEDIGHET = (
        4,
        "Utskrivning på grund av föräldraledighet",
        "Deltagaren avslutar insatsen på grund av graviditet eller föräldraledighet.",
    )
    FLYTT = (
        5,
        "Utskrivning på grund av flytt",
        "Deltagaren avslutar insatsen på grund av flytt från kommunen eller stadsdelen."
        " Obs! Om deltagaren flyttar för att han eller hon fått arbete på annan ort, välj i"
        " stället Utskrivning – till arbete, studier eller arbetssökande.",
    )
    MEDGIVANDE_ATERTAGET = (
        6,
        "Medgivande återtaget",
        "Deltagaren har tagit tillbaka sitt samtycke och medger inte fortsatt registrering"
        " av personuppgifter i SUS.",
    )
    UTAN_MATNING = (
        7,
        "Utskrivning – utan mätning",
        "Deltagaren avbryter insatsen av en anledning som gör att det inte går att"
        " registrera försörjning och sysselsättning efter insatsen. Anledningen kan till"
        " exempel vara att deltagaren blir omhändertagen eller uteblir av annan anledning.",
    )
    FELREGISTRERING = (
        8,
        "Felregistrering",
        "Felaktig inregistrering av deltagare. Det här alternativet leder till att"
        " uppgifter om deltagaren tas bort från SUS.",
    )
    OVRIGT = (
        9,
        "Övrigt",
        "Används om ingen av de övriga avslutningsanledningarna passar in. Ska användas med"
        " försiktighet eftersom det inte går att göra något ytterligare förtydligande.",
    )

    @property
    def without_after_measurement(self) -> bool:
        """Codes 6, 7 and 8 register no after-measurement (SPEC §3 rule 8)."""
        return self in _NO_AFTER_MEASUREMENT


_NO_AFTER_MEASUREMENT = frozenset(
    {
        Avslutningsanledning.MEDGIVANDE_ATERTAGET,
        Avslutningsanledning.UTAN_MATNING,
        Avslutningsanledning.FELREGISTRERING,
    }
)

#: The option vocabularies a form definition may name, by name.
VOCABULARIES: dict[str, type[LabelledCode]] = {
    "utbildning": Utbildning,
    "forsorjningstid": Forsorjningstid,
    "forsorjning": Forsorjning,
    "arbete_typ": ArbeteTyp,
    "yesno": YesNo,
}
