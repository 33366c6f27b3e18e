"""Provider webhooks. Each does four things: authenticate, store, enqueue, answer.

These URLs are a contract with the providers; tests fail if one disappears.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from heard.config import settings
from intake import sms, twilio_voice, voice_transcript

log = logging.getLogger(__name__)
webhooks = Blueprint("webhooks", __name__, url_prefix="/webhooks")

VOICE_TRANSCRIPT = "/voice/transcript"
TWILIO_SMS = "/twilio/sms"
TWILIO_VOICE = "/twilio/voice"  # the number's "a call comes in" URL
TWILIO_VOICE_ANSWER = "/twilio/voice/answer"  # each question's Gather action; Twilio is given it in TwiML
TWILIO_VOICE_STATUS = "/twilio/voice/status"  # the number's "call status changes" URL
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'  # no inline reply: the outbox acknowledges


def public_url() -> str:
    """The URL exactly as the provider requested it: behind a proxy Flask sees another one,
    so the configured public base URL is used with this request's path and query."""
    query = request.query_string.decode("latin-1")
    return f"{_public_base()}{request.path}" + (f"?{query}" if query else "")


def _public_base() -> str:
    return (settings().public_base_url or request.host_url).rstrip("/")


@webhooks.post(VOICE_TRANSCRIPT)
def voice_transcript_received():  # type: ignore[no-untyped-def]
    if request.mimetype != "application/json":
        abort(415, "send the transcript as application/json")
    body = request.get_data(cache=False)  # the exact bytes, as they were signed
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        event = voice_transcript.verify(os.environ.get("VOICE_WEBHOOK_SECRET"), body, headers)
    except voice_transcript.Refused as refused:
        log.info("voice transcript refused with %s", refused.status)  # no body or caller in logs
        abort(refused.status, refused.message)
    try:
        accepted = voice_transcript.accept(event, body, headers["webhook-id"], current_app.config["POLICY"])
    except SQLAlchemyError as exc:
        log.error("could not store a voice transcript: %s", exc.__class__.__name__)
        abort(503, "could not store the transcript; please retry")
    status = 201 if accepted.stored.created else 200
    return jsonify({"reference": accepted.stored.reference, "duplicate": not accepted.stored.created}), status


@webhooks.post(TWILIO_SMS)
def twilio_sms_received():  # type: ignore[no-untyped-def]
    if request.mimetype != "application/x-www-form-urlencoded":
        abort(415, "Twilio posts application/x-www-form-urlencoded")
    raw = request.get_data(cache=True)
    try:
        sms.verify(os.environ.get("TWILIO_AUTH_TOKEN"), public_url(), request.form, request.headers.get("X-Twilio-Signature"))
        stored = sms.accept(request.form, raw, current_app.config["POLICY"])
    except sms.Refused as refused:
        log.info("twilio sms refused with %s", refused.status)
        abort(refused.status, refused.message)
    except SQLAlchemyError as exc:
        log.error("could not store a text message: %s", exc.__class__.__name__)
        abort(503, "could not store the message; please retry")
    log.info("text message stored as contact %s", stored.contact_id)
    return current_app.response_class(EMPTY_TWIML, mimetype="application/xml")


@webhooks.post(TWILIO_VOICE)
def twilio_call_started():  # type: ignore[no-untyped-def]
    return _twilio_voice(lambda raw: twilio_voice.greet(request.form, current_app.config["POLICY"], _answer_url()))


@webhooks.post(TWILIO_VOICE_ANSWER)
def twilio_call_answered():  # type: ignore[no-untyped-def]
    return _twilio_voice(lambda raw: twilio_voice.answer(
        request.form, raw, request.args.get("step"), request.args.get("attempt"), current_app.config["POLICY"], _answer_url()))


@webhooks.post(TWILIO_VOICE_STATUS)
def twilio_call_status():  # type: ignore[no-untyped-def]
    def finish(raw: bytes) -> None:
        twilio_voice.status(request.form, raw, current_app.config["POLICY"])

    return _twilio_voice(finish)


def _answer_url() -> str:
    """Absolute, from the public base URL, so Twilio signs its next request over the URL we check."""
    return _public_base() + url_for("webhooks.twilio_call_answered")


def _twilio_voice(handle: Callable[[bytes], str | None]):  # type: ignore[no-untyped-def]
    """Authenticate a Twilio voice request, let the domain handle it, answer its TwiML
    (or 204 for a status callback, whose answer Twilio ignores)."""
    if request.mimetype != "application/x-www-form-urlencoded":
        abort(415, "Twilio posts application/x-www-form-urlencoded")
    raw = request.get_data(cache=True)
    try:
        twilio_voice.check_encoding(raw)
        sms.verify(os.environ.get("TWILIO_AUTH_TOKEN"), public_url(), request.form, request.headers.get("X-Twilio-Signature"))
        twiml = handle(raw)
    except sms.Refused as refused:
        log.info("twilio voice request refused with %s", refused.status)  # no caller or words in logs
        abort(refused.status, refused.message)
    except SQLAlchemyError as exc:
        log.error("could not store a call's answer: %s", exc.__class__.__name__)
        abort(503, "could not store the call; please retry")
    if twiml is None:
        return "", 204
    return current_app.response_class(twiml, mimetype="application/xml")
