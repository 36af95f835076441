"""The SUS store: approved records, the consent archive and the reports (SPEC §3, §5, §6).

The intake side uses only this public API — functions taking a SQLAlchemy session
(from :meth:`Store.transaction`) and pydantic records — never the tables.

    store = open_store("sqlite:///var/sus.db", Path("var/archive"))
    with store.transaction() as session:
        register_in(session, record, consent=ConsentIn(...), actor="anna", today=today)
"""

from __future__ import annotations

from sus_store.archive import ConsentArchive, OrphanReport, clean_orphans
from sus_store.audit import AuditEntry, audit_trail
from sus_store.audit import forget as forget_in_audit
from sus_store.audit import read as audit_read
from sus_store.consents import (
    ConsentFiled,
    ConsentIn,
    ConsentView,
    ParticipationRef,
    archive_consent,
    consent_candidates,
    file_consent,
    get_consent,
    link_consent,
    read_consent_scan,
    registered_names,
    unlinked_consents,
)
from sus_store.db import Store, make_engine, open_store, upgrade, wipe_after_commit
from sus_store.errors import (
    AlreadyOpen,
    AmbiguousName,
    ArchiveError,
    ConsentRequired,
    NotFound,
    PermissionDenied,
    RuleViolation,
    StoreError,
)
from sus_store.lookup import NameMatch, lookup_forbund, lookup_insats
from sus_store.matching import NearParticipation, named_participations, near_participations
from sus_store.organisation import (
    BudgetIn,
    ForbundIn,
    ForbundView,
    InsatsIn,
    InsatsView,
    add_forbund,
    add_insats,
    list_forbund,
    list_insatser,
    recategorise_insats,
    set_budget,
)
from sus_store.participants import (
    DeadlineItem,
    Outcome,
    ParticipationView,
    Protected,
    find_participations,
    get_participation,
    late_registrations,
    make_anonymous,
    participations_in,
    protect_person,
    register_anonymous,
    register_anonymous_from,
    register_in,
    register_out,
    register_volym,
    registration_deadlines,
)
from sus_store.reports import (
    Arssammanstallning,
    AvslutsanledningRapport,
    StartadeAvslutadeRapport,
    StodForeEfterRapport,
    avslutsanledning,
    started_ended,
    support_before_after,
    yearly_summary,
)
from sus_store.users import (
    Access,
    PermissionView,
    UserIn,
    UsernameTaken,
    UserView,
    access_of,
    create_user,
    deactivate_user,
    forbund_for,
    get_user,
    grant,
    insatser_for,
    latest_valid_until,
    list_users,
    password_hash_of,
    permissions_of,
    require,
    revoke,
    set_password_hash,
)

__all__ = [
    "AlreadyOpen", "AmbiguousName", "ArchiveError", "AuditEntry", "BudgetIn", "ConsentArchive",
    "ConsentFiled", "ConsentIn", "ConsentRequired", "ConsentView", "DeadlineItem", "ForbundIn",
    "ForbundView", "InsatsIn", "InsatsView", "NameMatch", "NearParticipation", "NotFound",
    "OrphanReport", "Outcome",
    "ParticipationRef", "ParticipationView", "PermissionDenied", "RuleViolation", "Store",
    "StoreError", "add_forbund", "add_insats", "archive_consent", "audit_trail",
    "clean_orphans", "consent_candidates", "file_consent", "find_participations",
    "get_consent", "get_participation", "late_registrations", "link_consent", "list_forbund",
    "list_insatser", "lookup_forbund", "lookup_insats", "make_anonymous", "make_engine",
    "named_participations", "near_participations",
    "open_store", "participations_in", "read_consent_scan", "recategorise_insats",
    "register_anonymous",
    "register_anonymous_from", "register_in", "register_out", "register_volym",
    "registered_names", "registration_deadlines", "set_budget", "unlinked_consents", "upgrade",
    "Arssammanstallning", "AvslutsanledningRapport", "StartadeAvslutadeRapport",
    "StodForeEfterRapport", "avslutsanledning", "started_ended", "support_before_after",
    "yearly_summary", "Access", "PermissionView", "access_of", "UserIn", "UsernameTaken",
    "UserView", "create_user",
    "deactivate_user", "forbund_for", "get_user", "grant", "insatser_for", "latest_valid_until",
    "list_users",
    "password_hash_of", "permissions_of", "require", "revoke", "set_password_hash",
    "audit_read", "forget_in_audit", "protect_person", "Protected", "wipe_after_commit",
]
