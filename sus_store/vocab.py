"""The store's own vocabularies (seeds 000 and 002), each with its Swedish label."""

from __future__ import annotations

from intake.sus.codes import LabelledCode


class Finansieringsform(LabelledCode):
    """The form of cooperation a samverkansorganisation works in (seeds 002, 004)."""

    FINSAM = ("finsam", "Finansiell samordning genom samordningsförbund")
    AF_FK_SAMARBETE = (
        "af_fk_samarbete",
        "Samarbetet mellan Arbetsförmedlingen och Försäkringskassan",
    )
    TVAPARTSFINSAM = ("tvapartsfinsam", "Tvåpartsfinsam")
    HANDLINGSPLANSSAMVERKAN = ("handlingsplanssamverkan", "Handlingsplanssamverkan")


class Kategori(LabelledCode):
    """How an insats is categorised (seed 000); fixed once participants are registered."""

    STRUKTUROVERGRIPANDE = ("strukturovergripande", "Strukturövergripande")
    INDIVIDINRIKTAD = ("individinriktad", "Individinriktad")


class Inriktning(LabelledCode):
    """The inriktningar of each kategori (seed 000)."""

    DIALOG_KOMMUNIKATION = ("dialog_kommunikation", "Dialog & kommunikation")
    KARTLAGGNING = ("kartlaggning", "Kartläggning")
    UTBILDNING = ("utbildning", "Utbildning")
    ANNAN = ("annan", "Annan inriktning")
    FOREBYGGANDE = ("forebyggande", "Förebyggande")
    FORBEREDANDE = ("forberedande", "Förberedande")
    KARTLAGGNING_AV_INDIVIDER = ("kartlaggning_av_individer", "Kartläggning av individer")
    REHABILITERING = ("rehabilitering", "Rehabilitering till arbete eller utbildning")


#: Which inriktningar belong to which kategori.
INRIKTNINGAR: dict[Kategori, frozenset[Inriktning]] = {
    Kategori.STRUKTUROVERGRIPANDE: frozenset(
        {Inriktning.DIALOG_KOMMUNIKATION, Inriktning.KARTLAGGNING, Inriktning.UTBILDNING,
         Inriktning.ANNAN}
    ),
    Kategori.INDIVIDINRIKTAD: frozenset(
        {Inriktning.FOREBYGGANDE, Inriktning.FORBEREDANDE,
         Inriktning.KARTLAGGNING_AV_INDIVIDER, Inriktning.REHABILITERING}
    ),
}


class Deltagarform(LabelledCode):
    """How participants of an insats are registered (seed 002: the three ways)."""

    PERSONUPPGIFTER = ("personuppgifter", "Med personuppgifter (och anonyma)")
    ANONYM = ("anonym", "Endast anonyma")
    VOLYM = ("volym", "Volyminsats (endast antal)")


class Role(LabelledCode):
    """The intake roles of SPEC §5."""

    ADMIN = ("admin", "Administratör")
    DIARIET = ("diariet", "Diariet")
    GRANSKARE = ("granskare", "Granskare (deltagaransvarig)")
    UPPLADDARE = ("uppladdare", "Förbundets uppladdare")
    RAPPORT = ("rapport", "Rapport")


class Status(LabelledCode):
    """Where a participation stands."""

    PENDING = ("pending", "Väntar på samtycke")
    OPEN = ("open", "Pågår")
    CLOSED = ("closed", "Avslutad")
