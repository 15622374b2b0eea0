"""A loopback endpoint for the webhook notification channel, as an operator's incident hook would be.

The demo keeps what it receives in memory to print it; the long-running local stack appends it to
a file. Either way every POST is answered 200 at once, as a healthy endpoint would, so the
emulator records the delivery as sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["WebhookReceiver"]


class WebhookReceiver:
    """Serves ``http://127.0.0.1:<port><path>`` in a daemon thread; hands each POSTed JSON body
    (or ``{"raw": text}`` when it is not JSON) to ``on_receive``."""

    def __init__(
        self, on_receive: Callable[[dict[str, Any]], None], port: int = 0, path: str = "/helios-alerts"
    ) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode(errors="replace")
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {"raw": body}
                on_receive(payload if isinstance(payload, dict) else {"raw": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
