"""The baseline for the webhook benchmark: a Flask endpoint that reads the body and
answers 200, served by gunicorn exactly as `heard web` serves Heard."""

from flask import Flask, request

app = Flask(__name__)


@app.post("/hook")
def hook() -> tuple[str, int]:
    request.get_data()
    return "", 200
