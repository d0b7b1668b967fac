"""Run the web app with uvicorn on a background thread of the service process, and stop it again."""

from __future__ import annotations

import socket
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


def _bound_socket(host: str, port: int) -> socket.socket:
    # Bound here, in the caller's thread: a port in use raises OSError to the caller instead of
    # uvicorn exiting its own thread.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def serve_in_thread(
    app: FastAPI, host: str = "127.0.0.1", port: int = 8080, startup_timeout: float = STARTUP_TIMEOUT_S
) -> ServerHandle:
    """Start serving ``app`` on ``host:port`` (port 0: any free port; the handle has the real one).

    Returns once the server listens. Raises OSError if the address cannot be bound (a port in use)
    and RuntimeError if the server does not start within ``startup_timeout``. The access log is off:
    it would record ``?token=`` query strings.
    """
    sock = _bound_socket(host, port)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="off", server_header=False
    )
    server = uvicorn.Server(config)
    # uvicorn installs signal handlers only on the main thread, so the service keeps its own.
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"web-{host}:{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(STOP_TIMEOUT_S)
            sock.close()
            raise RuntimeError(f"the web server did not start on {host}:{port}")
        time.sleep(0.02)
    return ServerHandle(server, thread, host, int(sock.getsockname()[1]))
