"""Outbound messages: every one is an outbox row first, then sent by a job, never twice."""
