"""The public feedback form over real HTTP: what is stored, and what is refused."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from heard.queue import TRIAGE, queue
from models import Contact, RawMessage
from models.db import transaction
from tests.helpers import FormClient, hidden_fields, reference_in


def counts() -> tuple[int, int]:
    with transaction() as db:
        return db.scalar(select(func.count()).select_from(Contact)), db.scalar(select(func.count()).select_from(RawMessage))


def test_form_page_is_accessible_markup(live_server):
    response = requests.get(f"{live_server.url}/feedback", timeout=10)
    assert response.status_code == 200
    html = response.text
    assert 'lang="en"' in html
    assert "Huntingdonshire District Council" in html
    assert "govuk-header__logotype" not in html  # the crown is reserved for GOV.UK
    assert "Content-Security-Policy" in response.headers
    for label in ("What would you like to do?", "Which service is it about?", "Tell us about it",
                  "When did it happen?", "What would put it right?", "How should we contact you?",
                  "on behalf of someone else", "adjustments"):
        assert label in html


def test_valid_submission_is_committed_before_the_confirmation(live_server):
    client = FormClient(live_server.url)
    response = client.submit()
    assert response.status_code == 200
    assert response.url.endswith("/feedback/confirmation")
    reference = reference_in(response.text)
    assert reference and reference.startswith("HDC-")
    with transaction() as db:
        contact = db.scalars(select(Contact)).one()
        assert contact.reference == reference
        assert contact.channel == "web"
        assert contact.sender_email == "ann@example.org"
        assert contact.declared_category == "complaint"
        assert "When it happened: Tuesday 10 November" in contact.text
        raw = db.get_one(RawMessage, contact.raw_message_id)
        assert b"Hartford+Road" in raw.body  # the exact urlencoded bytes received
        assert raw.size == len(raw.body) and len(raw.digest) == 64
    assert queue(TRIAGE).count == 1


def test_double_submission_is_one_contact(live_server):
    client = FormClient(live_server.url)
    tokens = client.open_form()
    first = client.submit(tokens)
    second = client.submit(tokens)
    assert reference_in(first.text) == reference_in(second.text)
    assert counts() == (1, 1)


def test_welsh_and_emoji_text_is_kept_exactly(live_server):
    text = "Mae'r bin heb ei gasglu ers pythefnos. Diolch yn fawr ŵ ŷ — 🙂"
    FormClient(live_server.url).submit(what_happened=text)
    with transaction() as db:
        assert db.scalars(select(Contact.text)).one().startswith(text)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"what_happened": ""}, "Tell us about it"),
        ({"feedback_type": None}, "Select what you would like to do"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"name": ""}, "Enter your full name"),
        ({"what_happened": "Hello <script>alert(1)</script>"}, "must not contain HTML"),
        ({"name": "<img src=x onerror=alert(1)>"}, "must not contain HTML"),
        ({"what_happened": "x" * 5001}, "5,000 characters or fewer"),
        ({"phone": "12345"}, "Enter a telephone number"),
        ({"on_behalf": "yes"}, "Enter the full name of the person you are contacting us for"),
        ({"on_behalf": "yes", "represented_person": "Joan", "representative_relationship": "daughter"}, "Confirm they have agreed"),
        ({"needs_adjustments": "yes"}, "Tell us what adjustments you need"),
        ({"service_area": "nonsense"}, "Not a valid choice"),
    ],
)
def test_invalid_answers_get_a_clear_error_and_store_nothing(live_server, answers, message):
    response = FormClient(live_server.url).submit(**answers)
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert message in response.text
    assert "<script>alert(1)</script>" not in response.text  # echoed back escaped, never live
    assert counts() == (0, 0)
    assert queue(TRIAGE).count == 0


def test_missing_csrf_token_is_refused(live_server):
    client = FormClient(live_server.url)
    tokens = client.open_form()
    response = client.submit({"submission_token": tokens["submission_token"]})
    assert response.status_code == 400
    assert "Your session has expired" in response.text
    assert counts() == (0, 0)


def test_forged_submission_token_is_refused(live_server):
    client = FormClient(live_server.url)
    tokens = client.open_form()
    response = client.submit({**tokens, "submission_token": "made-up-token"})
    assert response.status_code == 400
    assert "This form has expired" in response.text
    assert counts() == (0, 0)


def test_oversize_body_is_413_and_stores_nothing(live_server):
    client = FormClient(live_server.url)
    tokens = client.open_form()
    response = client.submit(tokens, what_happened="x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert "too large" in response.text
    assert counts() == (0, 0)


def test_anonymous_contact_keeps_no_contact_details(live_server):
    response = FormClient(live_server.url).submit(contact_method="anonymous", name="Ann", email="ann@example.org")
    assert response.status_code == 200
    assert "we will not reply" in response.text
    with transaction() as db:
        contact = db.scalars(select(Contact)).one()
        assert contact.anonymous and contact.sender_email is None and contact.sender_name is None


def test_representative_and_adjustments_are_recorded(live_server):
    FormClient(live_server.url).submit(
        on_behalf="yes", represented_person="Joan Example", representative_relationship="daughter",
        representative_consent="y", needs_adjustments="yes", adjustments="Large print letters, please",
        phone="07700 900982",
    )
    with transaction() as db:
        contact = db.scalars(select(Contact)).one()
        assert contact.representative and contact.representative_consent
        assert contact.represented_person == "Joan Example"
        assert contact.adjustments == "Large print letters, please"
        assert contact.sender_phone == "+447700900982"


def test_form_is_accepted_while_redis_is_down(live_server, monkeypatch):
    from heard import config

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    config.settings.cache_clear()
    response = FormClient(live_server.url).submit()
    assert response.status_code == 200 and reference_in(response.text)
    assert counts() == (1, 1)


def test_confirmation_needs_a_submission(live_server):
    response = requests.get(f"{live_server.url}/feedback/confirmation", timeout=10, allow_redirects=False)
    assert response.status_code == 302


def test_database_down_shows_no_confirmation(live_server, monkeypatch, tmp_path):
    from heard import config

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/heard.sqlite3")
    config.settings.cache_clear()
    response = FormClient(live_server.url).submit()
    assert response.status_code == 503
    assert "could not save your feedback" in response.text
    assert reference_in(response.text) is None


def test_hidden_field_parser_finds_both_tokens(live_server):
    html = requests.get(f"{live_server.url}/feedback", timeout=10).text
    assert set(hidden_fields(html)) == {"csrf_token", "submission_token"}
