"""How we handle complaints: the procedure, read from the active policy profile.

Every day count, owner and rule on the page comes from `current_app.config["POLICY"]`, so
the page changes when the profile does and can never disagree with the deadlines Heard
keeps.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

procedure = Blueprint("procedure", __name__)

# What each clock counts from, in the words a resident reads.
COUNTS_FROM = {
    "receipt": "the day we receive your complaint",
    "escalation_request": "the day we receive your request to take it to this stage",
    "acknowledgement": "the day we acknowledge it",
}


@procedure.get("/how-we-handle-complaints")
def how_we_handle_complaints() -> str:
    return render_template("procedure.html", p=current_app.config["POLICY"], counts_from=COUNTS_FROM)
