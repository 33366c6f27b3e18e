"""The WSGI entry point for gunicorn: `gunicorn web.wsgi:app`, imported by each worker."""

import gc
import logging

from heard.config import WEB_THREADS
from models.db import warm_pool
from web import create_app

app = create_app()
if not warm_pool(WEB_THREADS):
    logging.getLogger("heard.web").warning("database not ready at start: connections will open on first use")

# Everything loaded so far lives as long as the worker. Moved out of the collector's sight,
# a full collection no longer walks it: here that walk took about 95 ms, and it was the
# slowest webhook answer of a run (README, "Webhook latency").
gc.freeze()
