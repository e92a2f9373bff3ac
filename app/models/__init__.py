"""All models, imported here so Alembic and the app see one metadata."""

from app.models.audit import AuditEntry
from app.models.calendar_token import CalendarToken, CalendarTokenKind
from app.models.checkin import CheckIn, DoorDevice, ScanLog
from app.models.cluster import Cluster
from app.models.company import Company, CompanyImport, ResearchGroup, company_sort_name, research_group_members
from app.models.event import Event, EventKind, EventStatus, event_clusters
from app.models.job import Job, JobStatus
from app.models.networking import (
    CompanyProfile,
    Contact,
    Meeting,
    MeetingSeat,
    MeetingSlot,
    MeetingStatus,
    MeetingTable,
    NetworkingTag,
    ProfileSide,
    profile_tags,
)
from app.models.outbox import OutboxMessage
from app.models.outcomes import (
    Attribution,
    FollowUp,
    FollowUpAnswer,
    LifecycleMail,
    Outcome,
    OutcomeChange,
    OutcomeParty,
    OutcomeStage,
    outcome_events,
)
from app.models.proxy import CouncilProxy
from app.models.registration import AttendeeRole, Registration, RegistrationStatus, role_tag, role_tag_label
from app.models.types import UTCDateTime, utcnow
from app.models.user import Invitation, PasswordReset, Role, User, staff_clusters

__all__ = [
    "AuditEntry",
    "AttendeeRole",
    "Attribution",
    "FollowUp",
    "FollowUpAnswer",
    "LifecycleMail",
    "Outcome",
    "OutcomeChange",
    "OutcomeParty",
    "OutcomeStage",
    "outcome_events",
    "CalendarToken",
    "CalendarTokenKind",
    "CheckIn",
    "DoorDevice",
    "ScanLog",
    "Cluster",
    "Company",
    "CompanyImport",
    "CompanyProfile",
    "Contact",
    "CouncilProxy",
    "company_sort_name",
    "Event",
    "EventKind",
    "EventStatus",
    "Invitation",
    "Job",
    "JobStatus",
    "Meeting",
    "MeetingSeat",
    "MeetingSlot",
    "MeetingStatus",
    "MeetingTable",
    "NetworkingTag",
    "OutboxMessage",
    "PasswordReset",
    "ProfileSide",
    "Registration",
    "RegistrationStatus",
    "ResearchGroup",
    "Role",
    "UTCDateTime",
    "User",
    "event_clusters",
    "profile_tags",
    "research_group_members",
    "role_tag",
    "role_tag_label",
    "staff_clusters",
    "utcnow",
]
