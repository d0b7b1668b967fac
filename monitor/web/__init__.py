"""The read-only web pages and feeds of ``monitor run``.

``create_app(config, store, token=..., now=..., report_dir=..., alerts=..., campaigns=...)`` builds the
FastAPI app; ``serve_in_thread(app, host, port)`` runs it with uvicorn and returns a handle with
``stop()``. See ``app.py`` for the routes and ``auth.py`` for the optional bearer token.
"""

from monitor.web.app import create_app
from monitor.web.server import ServerHandle, serve_in_thread

__all__ = ["ServerHandle", "create_app", "serve_in_thread"]
