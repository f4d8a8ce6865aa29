"""A loopback TCP listener that records whether anything connected (for no-network tests)."""

from __future__ import annotations

import socket
import threading


class LoopbackListener:
    """Listens on 127.0.0.1 on a free port; ``connected`` turns True on any connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connected = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        try:
            conn, _ = self.sock.accept()
            self.connected = True
            conn.close()
        except OSError:
            pass

    def close(self) -> None:
        self.thread.join(2)
        self.sock.close()
