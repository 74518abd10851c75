"""Serving the app with uvicorn: one process, or several workers on one socket.

With ``--workers N`` uvicorn binds the listening socket itself and leaves its protocol number at
0; asyncio turns ``TCP_NODELAY`` on only for sockets that say ``IPPROTO_TCP``, so every
keep-alive request after a connection's first waited about 40 ms for the client's delayed ACK
(uvicorn issue #3149, open): four workers answered a tenth as fast as one (bench/scale.py).
The workers' socket here says what it is.
"""

import socket
from contextlib import suppress

import uvicorn
from starlette.applications import Starlette
from uvicorn.supervisors import Multiprocess

OPTIONS = {"proxy_headers": True, "server_header": False}


class WorkersConfig(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        bound = super().bind_socket()
        if bound.family not in (socket.AF_INET, socket.AF_INET6):
            return bound
        return socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())


def serve(app: Starlette, factory: str, *, host: str, port: int, workers: int) -> None:
    """Serve ``app`` in this process, or with several workers each making its own from ``factory``
    (``module:function``)."""
    if workers == 1:
        uvicorn.run(app, host=host, port=port, **OPTIONS)
        return
    config = WorkersConfig(factory, factory=True, workers=workers, host=host, port=port, **OPTIONS)
    with suppress(KeyboardInterrupt):  # as uvicorn.run does
        Multiprocess(config, sockets=[config.bind_socket()]).run()
