"""Reports and learning: the figures both councils' policies promise, computed from Heard's
own records by SQL aggregation, the themes people raise, and a self-assessment against the
Complaint Handling Code. Pure domain over a session; `web.reports` and `heard reports`
only present it."""
