"""GET /openapi.json: the contract for the webhooks other platforms call."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from intake.voice_transcript import TranscriptEvent

openapi = Blueprint("openapi", __name__)

_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_SIGNATURE_HEADERS = [
    {"name": "webhook-id", "in": "header", "required": True, "schema": {"type": "string", "maxLength": 256},
     "description": "Unique per event and constant across retries."},
    {"name": "webhook-timestamp", "in": "header", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"},
     "description": "Unix seconds; refused when more than five minutes from now."},
    {"name": "webhook-signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "Space-separated `v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{raw body}` with the shared whsec_ secret."},
]


def document() -> dict[str, Any]:
    schema = TranscriptEvent.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs", {})
    return {
        "openapi": "3.1.0",  # JSON Schema 2020-12, as pydantic writes it
        "info": {"title": "Heard webhooks", "version": "1",
                 "description": "Endpoints that voice, SMS and social platforms call to hand a contact to the council."},
        "paths": {
            "/webhooks/voice/transcript": {
                "post": {
                    "summary": "A voice-bot call's transcript, when the call has ended",
                    "description": "Signed the Standard Webhooks way (https://www.standardwebhooks.com). "
                                   "One contact per platform and call id: retries and replays change nothing.",
                    "operationId": "voiceTranscript",
                    "parameters": _SIGNATURE_HEADERS,
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/TranscriptEvent"}}}},
                    "responses": {
                        "201": {"description": "Stored as a new contact",
                                "content": {"application/json": {"schema": {"type": "object", "properties": {
                                    "reference": {"type": "string"}, "duplicate": {"type": "boolean"}}}}}},
                        "200": {"description": "Already stored (a retry or replay of the same call)"},
                        "400": {"description": "Not UTF-8, or not a transcript event", "content": {"application/json": {"schema": _ERROR}}},
                        "403": {"description": "Missing, wrong, stale or replayed signature", "content": {"application/json": {"schema": _ERROR}}},
                        "413": {"description": "Body too large", "content": {"application/json": {"schema": _ERROR}}},
                        "415": {"description": "Not application/json", "content": {"application/json": {"schema": _ERROR}}},
                        "503": {"description": "Could not be stored; retry later", "content": {"application/json": {"schema": _ERROR}}},
                    },
                }
            }
        },
        "components": {"schemas": {**definitions, "TranscriptEvent": schema}},
    }


@openapi.get("/openapi.json")
def openapi_json():  # type: ignore[no-untyped-def]
    return jsonify(document())
