"""Channel adapters: authenticate, store the exact bytes and the contact in one
transaction, then queue triage. Nothing else happens while the sender waits."""
