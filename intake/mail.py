"""One parser for every email, whichever way it arrived (SMTP or IMAP): raw bytes in, a
`ParsedMail` out. It never raises on bad input: malformed MIME, unknown charsets and
broken encodings are recorded as flags, and the exact bytes are always kept by the caller.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from datetime import datetime, timezone

import nh3
from inscriptis import get_text
from mailparser_reply import EmailReplyParser

MAX_PARTS = 200  # MIME parts walked; a message with more is flagged and the rest ignored
MAX_TEXT = 200_000  # characters kept of the body text
REFERENCE = re.compile(r"\b(?:HDC|HART|[A-Z]{2,6})-(?:19|20)\d\d-\d{6}\b")
MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_REPLIES = EmailReplyParser(languages=["en", "de", "fr", "nl", "it", "es", "pl"])

# Signals that a message is from a machine, not a person (RFC 3834, RFC 2369/2919,
# RFC 3464/6522, and the out-of-office headers councils' mail actually carries).
AUTO_SUBJECT = re.compile(
    r"^(?:auto(?:matic)?[ -]?(?:reply|response)|out of (?:the )?office|autoreply|auto:|"
    r"undeliverable|undelivered mail|delivery status notification|mail delivery (?:failed|failure|system)|"
    r"returned mail|failure notice|read:|thank you for (?:your email|contacting)|acknowledg(?:e)?ment of your)",
    re.I,
)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    sender_email: str | None
    sender_name: str | None
    subject: str
    text: str  # the whole body as text
    in_reply_to: list[str]
    references: list[str]
    sent_at: datetime | None
    attachments: list[Attachment]
    flags: list[str] = field(default_factory=list)  # e.g. malformed_mime, unknown_charset
    noise: str | None = None  # why this is not from a person: auto_reply, bounce, list, loop
    case_references: list[str] = field(default_factory=list)  # references seen in the subject

    def content_key(self, raw: bytes) -> str:
        """The idempotency key: the Message-ID with a digest of the bytes, so the same
        message delivered twice is one contact but a reused Message-ID is not swallowed."""
        digest = hashlib.sha256(raw).hexdigest()[:32]
        return f"{self.message_id or 'no-message-id'}|{digest}"[:255]


def parse(raw: bytes, *, envelope_from: str | None = None, own_domains: tuple[str, ...] = ()) -> ParsedMail:
    message: EmailMessage = email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[assignment]
    flags: list[str] = []
    if _defects(message):
        flags.append("malformed_mime")
    subject = _header(message, "Subject", flags)
    sender_name, sender_email = _sender(message, flags)
    text, attachments = _body(message, flags)
    return ParsedMail(
        message_id=_first_id(_header(message, "Message-ID", flags)),
        sender_email=sender_email,
        sender_name=sender_name,
        subject=" ".join(subject.split())[:998],
        text=text,
        in_reply_to=MESSAGE_ID.findall(_header(message, "In-Reply-To", flags)),
        references=MESSAGE_ID.findall(_header(message, "References", flags))[-50:],
        sent_at=_date(_header(message, "Date", flags)),
        attachments=attachments,
        flags=flags,
        noise=_noise(message, subject, sender_email, envelope_from, own_domains),
        case_references=REFERENCE.findall(subject),
    )


def _defects(message: Message) -> bool:
    return any(part.defects for part in _walk(message))


def _walk(message: Message) -> list[Message]:
    parts = []
    for part in message.walk():
        parts.append(part)
        if len(parts) >= MAX_PARTS:
            break
    return parts


def _header(message: Message, name: str, flags: list[str]) -> str:
    try:
        value = message.get(name)
        return str(value) if value is not None else ""
    except (ValueError, LookupError, IndexError, TypeError, AttributeError):
        # A header too broken for the policy's parser: keep its raw form.
        flags.append(f"bad_header:{name.lower()}")
        raw = message.get_all(name, failobj=[""]) if hasattr(message, "get_all") else [""]
        return str(raw[0]) if raw else ""


def _sender(message: Message, flags: list[str]) -> tuple[str | None, str | None]:
    """The From header's one address. A display name is never taken as an address."""
    addresses = getaddresses([_header(message, "From", flags)])
    usable = [(name, addr) for name, addr in addresses if "@" in addr]
    if len(usable) != 1:
        if addresses:
            flags.append("ambiguous_sender")
        return (usable[0][0] or None, usable[0][1].lower()) if usable else (None, None)
    name, address = usable[0]
    return (name.strip() or None), address.strip().lower()


def _first_id(value: str) -> str | None:
    found = MESSAGE_ID.findall(value)
    return found[0][:250] if found else None


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _decode(part: Message, flags: list[str]) -> str:
    try:
        return part.get_content()  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, AssertionError, ValueError):
        flags.append("unknown_charset")
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)


def _body(message: EmailMessage, flags: list[str]) -> tuple[str, list[Attachment]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    parts = _walk(message)
    if len(parts) >= MAX_PARTS:
        flags.append("too_many_parts")
    for part in parts:
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        if disposition == "attachment" or (content_type not in ("text/plain", "text/html") and not content_type.startswith("message/")):
            payload = part.get_payload(decode=True) or b""
            attachments.append(Attachment(_safe_filename(part.get_filename()), content_type, len(payload)))
        elif content_type == "text/plain":
            plain.append(_decode(part, flags))
        elif content_type == "text/html":
            html.append(_decode(part, flags))
    if plain:
        text = "\n".join(plain)
    elif html:
        flags.append("html_only")
        text = "\n".join(get_text(h[:MAX_TEXT * 2]) for h in html)  # scripts and styles are dropped
    else:
        text = ""
    return text[:MAX_TEXT].strip(), attachments


def _safe_filename(name: str | None) -> str:
    """A name for display only: no path, no control characters."""
    if not name:
        return "unnamed"
    name = re.split(r"[\\/]", name)[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", name)[:200] or "unnamed"


# What of an email's own HTML staff may see: structure and emphasis, links that cannot act.
# No images (remote ones tell the sender the email was opened), styles, forms or scripts.
SAFE_TAGS = {"a", "b", "blockquote", "br", "caption", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
             "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td",
             "tfoot", "th", "thead", "tr", "u", "ul"}


def display_html(raw: bytes) -> str | None:
    """The HTML part of a raw email, sanitised by an allow-list (nh3, the Ammonia
    sanitiser) so it can be shown without running anything; None when it has none."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    flags: list[str] = []
    html = [_decode(part, flags) for part in _walk(message)
            if not part.is_multipart() and part.get_content_type() == "text/html"
            and part.get_content_disposition() != "attachment"]
    if not html:
        return None
    return nh3.clean("\n".join(html)[:MAX_TEXT * 2], tags=SAFE_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"https", "http", "mailto"}, link_rel="noopener noreferrer nofollow",
                     strip_comments=True)


def new_text(text: str) -> str:
    """What the sender wrote this time: quoted replies and signatures removed. Run by the
    triage job, not while the sending server waits."""
    try:
        reply = _REPLIES.parse_reply(text=text[:50_000])
    except Exception:  # the library's regexes must never cost us the message
        return text
    return (reply or text).strip()


def _noise(message: Message, subject: str, sender: str | None, envelope_from: str | None, own_domains: tuple[str, ...]) -> str | None:
    """Why this message must never be acknowledged or opened as a case, or None."""
    get = lambda name: str(message.get(name, "") or "").strip().lower()  # noqa: E731
    if get("X-Loop") or (sender and own_domains and sender.rpartition("@")[2] in own_domains):
        return "loop"
    content_type = message.get_content_type()
    null_sender = envelope_from == "" or (message.get("Return-Path") is not None and get("Return-Path") in ("<>", ""))
    if content_type == "multipart/report" or "delivery-status" in get("Content-Type") or null_sender:
        return "bounce"
    if get("Auto-Submitted") not in ("", "no") or get("Precedence") in ("auto_reply",) or get("X-Autoreply") \
            or get("X-Autorespond") or "autoresponder" in get("X-POST-MessageClass"):
        return "auto_reply"
    if get("Precedence") in ("bulk", "list", "junk") or get("List-Id") or get("List-Unsubscribe"):
        return "list"
    if AUTO_SUBJECT.match(subject.strip()):
        return "auto_reply"
    return None
