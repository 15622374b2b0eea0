"""A TCP relay on loopback that can cut the line: a network partition between a client and an
emulator, for the reliability tests and the soak (an emulator that is killed loses its data; a
partition is what a real outage looks like from the client)."""

from __future__ import annotations

import socket
import threading

__all__ = ["TcpRelay"]


class TcpRelay:
    """Forwards a loopback port to a target address; ``close_door`` refuses connections and cuts
    the open ones, ``open_door`` lets traffic through again (possibly to a new target)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._open = True
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open:
                client.close()
                continue
            host, port = self.target.rsplit(":", 1)
            try:
                upstream = socket.create_connection((host, int(port)), timeout=2)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.close()
                except OSError:
                    pass

    def close_door(self) -> None:
        self._open = False
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._sockets.clear()

    def open_door(self, target: str | None = None) -> None:
        self.target = target or self.target
        self._open = True

    def stop(self) -> None:
        self.close_door()
        self._listener.close()
