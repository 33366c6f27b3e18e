"""Heard's data: SQLAlchemy models, the session, migrations, and council policy as data.

Imports nothing from `intake`, `triage`, `notify` or `web`.
"""

from models.base import Base
from models.calls import CallTurn
from models.cases import Case, CaseEvent, DeadlineChase
from models.intake import Contact, MailboxState, RawMessage
from models.outbox import Notification
from models.staff import StaffUser
from models.triage import TriageDecision

__all__ = ["Base", "CallTurn", "Case", "CaseEvent", "Contact", "DeadlineChase", "MailboxState", "Notification", "RawMessage", "StaffUser", "TriageDecision"]
