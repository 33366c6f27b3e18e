"""Phone calls to the council's Twilio number: a short spoken conversation that becomes
one contact.

The call, request by request:
1. Twilio posts the incoming call. Heard greets the caller with the council's name and
   asks the first question inside `<Gather input="speech">`.
2. Each answer is posted to the Gather's action URL, which names the question and the
   attempt (`?step=when&attempt=1`). Silence is asked again once, then the call moves on.
3. After the last question the call's answers become one contact, keyed by its CallSid,
   and its reference is read back before the call ends. The acknowledgement follows from
   the outbox like any other: by email if the caller gave an address, else by text.
4. Twilio's call-status callback (`CallStatus=completed`) finishes a call whose caller
   hung up half-way: the answers given so far become the contact, flagged
   `caller_hung_up`. A call in which nothing was said is kept as noise (`silent_call`):
   stored, never triaged or acknowledged.

Where a call's answers wait: the `call_turns` table, one row per question asked. Each
request of a call can reach a different web process, so nothing lives in memory, and the
unique `(CallSid, step, attempt)` makes a re-posted step find its row and answer the same
TwiML again. The contact itself is only made at the end, in one `intake.store`
transaction, so the reference read back is the one assigned there and the one the
acknowledgement uses; and because a call's contact is keyed by CallSid, the last step, the
status callback, and any replay of either make one contact between them.

Authenticity is Twilio's signature, checked as for texts (`intake.sms.verify`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from twilio.twiml.voice_response import VoiceResponse

from heard.queue import enqueue_triage
from intake.phone import e164
from intake.sms import Refused
from intake.store import Received, store
from intake.voice_transcript import REFERENCE, spoken_email
from models import CallTurn, Contact, RawMessage
from models.db import transaction
from models.intake import ContactState
from models.outbox import reach
from models.policy import Policy

CHANNEL = "voice"
CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
VOICE, LANGUAGE = "Polly.Amy", "en-GB"  # a British voice that reads SSML, so references are spelt out
ATTEMPTS = 2  # a question met with silence is asked once more, then the call moves on
MAX_SPEECH = 5000  # one Gather hears at most 60 s of speech; anything longer is not Twilio
LOW_CONFIDENCE = 0.5
ENDED = {"completed", "busy", "failed", "no-answer", "canceled"}
ABANDONED_AFTER = timedelta(hours=1)  # far longer than four questions take
SWEEP_WINDOW = timedelta(days=2)


@dataclass(frozen=True)
class Question:
    step: str
    prompt: str
    label: str  # how the answer is headed in the contact's text; the first has none


# What both councils' policies ask a complaint to say: what went wrong, when, what would
# put it right, and how to reach the person.
QUESTIONS = (
    Question("what", "Please tell me, in your own words, what has gone wrong, or what your call is about.", ""),
    Question("when", "When did this happen?", "When it happened"),
    Question("outcome", "What would you like the council to do to put things right?", "What would put it right"),
    Question("contact", "How should we contact you about this? You can say an email address, "
             "or say text me, and we will text the number you are calling from.", "How to contact them"),
)
STEPS = {question.step: n for n, question in enumerate(QUESTIONS)}


@dataclass(frozen=True)
class Call:
    """What every Twilio voice request says about its call."""

    sid: str
    caller: str | None  # `From` as Twilio gave it; withheld numbers are not numbers
    to: str | None


@dataclass(frozen=True)
class Recorded:
    """A call stored as a contact, as the caller is told about it."""

    reference: str
    acknowledge_by: str | None  # "email", "text" or None: mirrors notify's choice of channel
    silent: bool


def check_encoding(raw: bytes) -> None:
    """Twilio sends UTF-8; a body whose fields decode to anything else is refused (400)
    rather than stored with replacement characters."""
    try:
        parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "the form body is not UTF-8") from None


def call_of(params: Mapping[str, str]) -> Call:
    sid = params.get("CallSid", "")
    if not CALL_SID.match(sid):
        raise Refused(400, "CallSid missing or not a Twilio call id")
    return Call(sid, params.get("From"), params.get("To"))


def greet(params: Mapping[str, str], policy: Policy, answer_url: str) -> str:
    """The TwiML for a new call: who answered, what will happen, and the first question."""
    call_of(params)
    response = VoiceResponse()
    response.say(f"Hello, you're through to {policy.council.name}. I will ask you a few short questions, "
                 "then give you a reference number. What you say is written down so the right team can "
                 "deal with it. Please do not tell us any bank card details.", voice=VOICE, language=LANGUAGE)
    _ask(response, QUESTIONS[0], 1, answer_url)
    return response.to_xml()


def answer(params: Mapping[str, str], raw: bytes, step: str | None, attempt: str | None,
           policy: Policy, answer_url: str) -> str:
    """Record one answer, then ask the next question or, after the last, store the call
    and read its reference back. The same request again gets the same TwiML."""
    call = call_of(params)
    if step not in STEPS:
        raise Refused(400, "step must name one of the questions")
    if attempt not in {str(n) for n in range(1, ATTEMPTS + 1)}:
        raise Refused(400, f"attempt must be 1 to {ATTEMPTS}")
    recorded = _recorded(call.sid)
    if recorded is not None:  # the call is already a contact: a replay only hears its reference
        return _goodbye(recorded, policy)
    speech = _turn(call.sid, step, int(attempt), params, raw)
    response = VoiceResponse()
    index = STEPS[step]
    if not speech and int(attempt) < ATTEMPTS:
        response.say("Sorry, I didn't hear anything.", voice=VOICE, language=LANGUAGE)
        _ask(response, QUESTIONS[index], int(attempt) + 1, answer_url)
    elif index + 1 < len(QUESTIONS):
        _ask(response, QUESTIONS[index + 1], 1, answer_url)
    else:
        return _goodbye(finish(call, policy, raw, hung_up=False), policy)
    return response.to_xml()


def status(params: Mapping[str, str], raw: bytes, policy: Policy) -> Recorded | None:
    """Twilio's call-status callback: a call that has ended becomes a contact if its last
    question did not already make it one."""
    call = call_of(params)
    if params.get("CallStatus") not in ENDED:
        return None
    return _recorded(call.sid) or finish(call, policy, raw, hung_up=True)


def finish(call: Call, policy: Policy, raw: bytes, *, hung_up: bool) -> Recorded:
    """Store the call's answers as one contact (or find it stored) and queue its triage."""
    with transaction() as db:
        turns = sorted(db.scalars(select(CallTurn).where(CallTurn.call_sid == call.sid)),
                       key=lambda t: (STEPS[t.step], t.attempt))
    answers = {t.step: t.speech for t in turns if t.speech}  # the later attempt wins
    confidence = {t.step: t.confidence for t in turns if t.speech}
    said = " ".join(answers.values())
    silent = not said
    flags = [flag for flag, present in (
        ("caller_hung_up", hung_up),
        ("no_caller_speech", silent),
        ("low_confidence", any(c is not None and c < LOW_CONFIDENCE for c in confidence.values())),
        ("truncated", any(len(t.speech) >= MAX_SPEECH for t in turns)),
    ) if present]
    phone, email = e164(call.caller), spoken_email(said)
    transcript = {
        "provider": "twilio", "call_sid": call.sid, "from": call.caller, "to": call.to,
        "ended": "caller_hung_up" if hung_up else "questions_answered",
        "turns": [{"step": t.step, "attempt": t.attempt, "question": QUESTIONS[STEPS[t.step]].prompt,
                   "speech": t.speech, "confidence": t.confidence, "received_at": t.received_at.isoformat(),
                   "request": t.body.decode("utf-8")} for t in turns],
        "final_request": raw.decode("utf-8"),
    }
    received = Received(
        channel=CHANNEL,
        provider_id=call.sid,
        content_type="application/json",
        body=json.dumps(transcript, ensure_ascii=False).encode(),
        text=contact_text(answers),
        received_at=min((t.received_at for t in turns), default=datetime.now(timezone.utc)),
        flags=tuple(flags),
        state=ContactState.NOISE.value if silent else ContactState.RECEIVED.value,
        fields={
            "sender_phone": phone,
            "sender_email": email,
            "preferred_contact": "email" if email else "phone" if phone else None,
            "when_happened": answers.get("when"),
            "desired_outcome": answers.get("outcome"),
            "noise": "silent_call" if silent else None,
            "thread_refs": {"call_sid": call.sid, "to": call.to, "confidence": confidence,
                            "references_spoken": REFERENCE.findall(said)},
        },
    )
    stored = store(received, policy)
    if stored.created and stored.state == ContactState.RECEIVED.value:
        enqueue_triage(stored.contact_id)
    return _recorded(call.sid) or Recorded(stored.reference, None, silent)


def finish_abandoned(policy: Policy, now: datetime) -> int:
    """Calls whose status callback never came (a misconfigured console, a lost request):
    an hour after their last answer, their answers become a contact like any hung-up
    call. Only the last two days are looked at, through the index on `received_at`."""
    stored = select(RawMessage.id).where(RawMessage.channel == CHANNEL, RawMessage.provider_id == CallTurn.call_sid)
    with transaction() as db:
        sids = db.scalars(
            select(CallTurn.call_sid)
            .where(CallTurn.received_at >= now - SWEEP_WINDOW, ~stored.exists())
            .group_by(CallTurn.call_sid)
            .having(func.max(CallTurn.received_at) < now - ABANDONED_AFTER)
        ).all()
        firsts = {sid: db.scalar(select(CallTurn.body).where(CallTurn.call_sid == sid).order_by(CallTurn.id).limit(1))
                  for sid in sids}
    for sid, body in firsts.items():
        params = dict(parse_qsl((body or b"").decode("utf-8", "replace")))
        finish(Call(sid, params.get("From") or None, params.get("To") or None), policy, b"", hung_up=True)
    return len(firsts)


def contact_text(answers: Mapping[str, str]) -> str:
    """The caller's answers as triage and officers read them: what happened first, then
    the others headed as the web form heads them."""
    return "\n".join(
        f"{q.label}: {answers[q.step]}" if q.label else answers[q.step]
        for q in QUESTIONS if answers.get(q.step)
    )


def _ask(response: VoiceResponse, question: Question, attempt: int, answer_url: str) -> None:
    gather = response.gather(
        input="speech", action=f"{answer_url}?{urlencode({'step': question.step, 'attempt': attempt})}",
        method="POST", language=LANGUAGE, speech_timeout="auto", timeout=6, action_on_empty_result=True,
    )
    gather.say(question.prompt, voice=VOICE, language=LANGUAGE)


def _turn(call_sid: str, step: str, attempt: int, params: Mapping[str, str], raw: bytes) -> str:
    """Store this answer unless this very step was stored before; return what is stored."""
    speech = " ".join(params.get("SpeechResult", "").split())[:MAX_SPEECH]
    try:
        with transaction() as db:
            db.add(CallTurn(call_sid=call_sid, step=step, attempt=attempt, speech=speech,
                            confidence=_confidence(params.get("Confidence")), body=raw))
        return speech
    except IntegrityError:  # Twilio re-posted the step: what was stored first stands
        with transaction() as db:
            return db.scalars(select(CallTurn.speech).where(
                CallTurn.call_sid == call_sid, CallTurn.step == step, CallTurn.attempt == attempt)).one()


def _confidence(value: str | None) -> float | None:
    """Twilio's Confidence is optional and not always a number; keep it only when it is one."""
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if 0 <= number <= 1 else None


def _recorded(call_sid: str) -> Recorded | None:
    with transaction() as db:
        row = db.execute(
            select(Contact.reference, Contact.sender_email, Contact.sender_phone, Contact.state)
            .join(RawMessage, Contact.raw_message_id == RawMessage.id)
            .where(RawMessage.channel == CHANNEL, RawMessage.provider_id == call_sid)
        ).first()
    if row is None:
        return None
    silent = row.state == ContactState.NOISE.value
    reached = None if silent else reach(row.sender_email, row.sender_phone)  # the acknowledgement's own rule
    by = {"email": "email", "sms": "text"}[reached[0]] if reached else None
    return Recorded(row.reference or "", acknowledge_by=by, silent=silent)


def _goodbye(recorded: Recorded, policy: Policy) -> str:
    response = VoiceResponse()
    if recorded.silent:
        response.say("Sorry, I didn't hear anything. Please call again when you are ready. Goodbye.",
                     voice=VOICE, language=LANGUAGE)
    else:
        say = response.say("Thank you. Your reference is ", voice=VOICE, language=LANGUAGE)
        say.say_as(recorded.reference, interpret_as="characters")
        say.nest(". Again, your reference is ")
        say.say_as(recorded.reference, interpret_as="characters")
        say.nest(". " + {"email": "We will email it to you at the address you gave. ",
                         "text": "We will also send it to you in a text message. "}.get(recorded.acknowledge_by or "",
                                                                                      "Please make a note of it. ")
                 + f"{policy.council.name} will be in touch. Goodbye.")
    response.hangup()
    return response.to_xml()
