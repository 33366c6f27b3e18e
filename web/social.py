"""Social media webhooks: Meta (Facebook Page, Messenger, Instagram) and X.

Each POST does four things: authenticate, store, enqueue, answer. Each GET is the
platform's check that this URL is ours. These URLs are a contract with the platforms;
tests fail if one disappears. Logs carry counts and statuses, never residents' words.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from intake import meta, social, x

log = logging.getLogger(__name__)
social_webhooks = Blueprint("social_webhooks", __name__, url_prefix="/webhooks")

META = "/meta"
X = "/x"


def _stored(platform: str, posts: list[social.Post], body: bytes):  # type: ignore[no-untyped-def]
    """Store what a notification held; 503 if the database fails, so the platform retries."""
    try:
        outcome = social.accept(posts, body, current_app.config["POLICY"])
    except SQLAlchemyError as exc:
        log.error("could not store a %s notification: %s", platform, exc.__class__.__name__)
        abort(503, "could not store the notification; please retry")
    log.info("%s notification: %s new, %s duplicate, %s edits, %s malformed", platform,
             outcome.new, outcome.duplicates, outcome.edits, outcome.malformed)
    return jsonify(asdict(outcome))


@social_webhooks.get(META)
def meta_subscribe():  # type: ignore[no-untyped-def]
    try:
        challenge = meta.handshake(os.environ.get("META_VERIFY_TOKEN"), request.args)
    except social.Refused as refused:
        log.info("meta subscription check refused with %s", refused.status)
        abort(refused.status, refused.message)
    return current_app.response_class(challenge, mimetype="text/plain")


@social_webhooks.post(META)
def meta_received():  # type: ignore[no-untyped-def]
    if request.mimetype != "application/json":
        abort(415, "Meta posts application/json")
    body = request.get_data(cache=False)  # the exact bytes, as they were signed
    try:
        meta.verify(os.environ.get("META_APP_SECRET"), body, request.headers.get("X-Hub-Signature-256"))
        posts = meta.posts(meta.parse(body))
    except social.Refused as refused:
        log.info("meta notification refused with %s", refused.status)
        abort(refused.status, refused.message)
    return _stored("meta", posts, body)


@social_webhooks.get(X)
def x_challenge():  # type: ignore[no-untyped-def]
    try:
        answer = x.crc(os.environ.get("X_CONSUMER_SECRET"), os.environ.get("X_OAUTH2_CLIENT_SECRET"),
                       request.args.get("crc_token"))
    except social.Refused as refused:
        log.info("x challenge-response check refused with %s", refused.status)
        abort(refused.status, refused.message)
    return jsonify(answer)


@social_webhooks.post(X)
def x_received():  # type: ignore[no-untyped-def]
    if request.mimetype != "application/json":
        abort(415, "X posts application/json")
    body = request.get_data(cache=False)
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        x.verify(os.environ.get("X_CONSUMER_SECRET"), os.environ.get("X_OAUTH2_CLIENT_SECRET"), body, headers)
        posts = x.posts(x.parse(body))
    except social.Refused as refused:
        log.info("x notification refused with %s", refused.status)
        abort(refused.status, refused.message)
    return _stored("x", posts, body)
