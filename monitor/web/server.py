"""Run the web app with uvicorn on a background thread of the service process, and stop it again."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

STARTUP_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


@dataclass
class ServerHandle:
    """A running server: where it listens, and ``stop()``."""

    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Finish open requests and stop; connections still open after ``timeout`` are dropped."""
        self.server.should_exit = True
        self.thread.join(timeout)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(timeout)


def serve_in_thread(
    app: FastAPI, host: str = "127.0.0.1", port: int = 8080, startup_timeout: float = STARTUP_TIMEOUT_S
) -> ServerHandle:
    """Start serving ``app`` on ``host:port`` (port 0: any free port; the handle has the real one).

    Returns once the socket listens. Raises RuntimeError if the server does not start in time (a port
    in use, for one). The access log is off: it would record ``?token=`` query strings.
    """
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="off", server_header=False
    )
    server = uvicorn.Server(config)
    # uvicorn installs signal handlers only on the main thread, so the service keeps its own.
    thread = threading.Thread(target=server.run, name=f"web-{host}:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(STOP_TIMEOUT_S)
            raise RuntimeError(f"the web server did not start on {host}:{port}")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
    return ServerHandle(server, thread, host, int(bound))
