"""Heard's data: SQLAlchemy models, the session, migrations, and council policy as data.

Imports nothing from `intake`, `triage`, `notify` or `web`.
"""

from models.base import Base
from models.cases import Case, CaseEvent
from models.intake import Contact, MailboxState, RawMessage
from models.outbox import Notification
from models.triage import TriageDecision

__all__ = ["Base", "Case", "CaseEvent", "Contact", "MailboxState", "Notification", "RawMessage", "TriageDecision"]
