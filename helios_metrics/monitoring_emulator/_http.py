"""The emulator's HTTP side: health, the admin API tests use (faults, stats), the console, and the
Monitoring API itself over HTTP/JSON under ``/v1/`` and ``/v3/`` (``_rest``).

Routes are a table of ``(method, path) -> handler(body, query) -> (status, content type, bytes)``
so the console and other pages can be added without touching the server plumbing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from helios_metrics.contract.units import NS

from ._faults import Faults
from ._rest import PREFIXES
from ._timeutil import parse_rfc3339

if TYPE_CHECKING:
    from ._alerting import AlertEvaluator
    from ._console import Console, Page, PrefixPage
    from ._rest import RestApi
from ._stats import Stats

__all__ = ["HttpServer", "Route"]

Response = tuple[int, str, bytes]
Route = Callable[[bytes, dict[str, list[str]]], Response]


def _instant(request: dict[str, Any], name: str) -> int:
    try:
        return parse_rfc3339(str(request[name]))
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from None


def _step(value: object) -> int:
    """``"60s"`` (a Duration as JSON writes it: seconds, with an ``s``) → nanoseconds."""
    text = str(value)
    try:
        seconds = float(text.removesuffix("s")) if text.endswith("s") else float("nan")
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:
        raise ValueError(f'step: {text!r} is not a positive duration such as "60s"')
    return round(seconds * NS)


def _json(status: int, payload: Any) -> Response:
    """JSON as UTF-8 text: a message's "→" reads as "→", not as an escape."""
    return status, "application/json; charset=utf-8", json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()


class HttpServer:
    def __init__(self, host: str, port: int, faults: Faults, stats: Stats) -> None:
        self._faults, self._stats = faults, stats
        self.routes: dict[tuple[str, str], Route] = {
            ("GET", "/healthz"): lambda body, query: (200, "text/plain", b"ok"),
            ("GET", "/admin/stats"): lambda body, query: _json(200, self._stats.snapshot()),
            ("POST", "/admin/stats/reset"): self._reset_stats,
            ("GET", "/admin/faults"): lambda body, query: _json(200, self._faults.armed()),
            ("POST", "/admin/faults"): self._add_faults,
            ("DELETE", "/admin/faults"): self._clear_faults,
        }
        self.prefixes: dict[str, Route] = {}  # GET routes on a path prefix: the rest comes as query["__path__"]
        self.api: RestApi | None = None  # the API under /v1/ and /v3/, every verb (add_api)
        routes, prefixes, server = self.routes, self.prefixes, self

        def find(command: str, path: str, query: dict[str, list[str]]) -> Route | None:
            route = routes.get((command, path))
            if route is None and command == "GET":
                for prefix, handler in prefixes.items():
                    if path.startswith(prefix):
                        query["__path__"] = [path[len(prefix) :]]
                        return handler
            return route

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                route = find(self.command, parts.path, query)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if server.api is not None and parts.path.startswith(PREFIXES):
                    status, ctype, payload = server.api.serve(self.command, self.path, body, dict(self.headers))
                elif route is None:
                    status, ctype, payload = _json(404, {"error": f"no route {self.command} {parts.path}"})
                else:
                    try:
                        status, ctype, payload = route(body, query)
                    except (ValueError, KeyError, TypeError) as err:
                        status, ctype, payload = _json(400, {"error": str(err)})
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="emulator-http", daemon=True)

    def add_alerting(self, evaluator: AlertEvaluator) -> None:
        """``POST /admin/alerts/evaluate`` — at one instant (optional ``{"now": RFC 3339, "project": id}``)
        or at every step of a range (``{"from": RFC 3339, "to": RFC 3339, "step": "60s", "project": id}``,
        both ends included) — ``GET /admin/incidents``, ``GET /admin/notifications``."""

        def evaluate(body: bytes, query: dict[str, list[str]]) -> Response:
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise ValueError("the body must be a JSON object")
            project = request.get("project")
            project = None if project is None else str(project)
            if "from" in request or "to" in request:
                if "now" in request:
                    raise ValueError("now: give either now, or from and to, not both")
                for name in ("from", "to"):
                    if name not in request:
                        raise ValueError(f"{name}: a range needs both from and to (RFC 3339)")
                start, end = _instant(request, "from"), _instant(request, "to")
                step = _step(request.get("step", "60s"))
                return _json(200, evaluator.evaluate_range(start, end, step, project))
            now = request.get("now")
            return _json(200, evaluator.evaluate(None if now is None else _instant(request, "now"), project))

        self.routes[("POST", "/admin/alerts/evaluate")] = evaluate
        self.routes[("GET", "/admin/incidents")] = lambda body, query: _json(200, evaluator.incidents())
        self.routes[("GET", "/admin/notifications")] = lambda body, query: _json(200, evaluator.notifications())

    def add_api(self, api: RestApi) -> None:
        """Serve the Monitoring API over HTTP/JSON at Google's paths (every verb under ``/v1/``, ``/v3/``)."""
        self.api = api

    def add_console(self, console: Console) -> None:
        """The console's pages, from its own route table (:meth:`Console.routes`): GET on a path,
        and GET under a path prefix (the page gets the rest of the path, unquoted)."""

        def serve(text: str | None) -> Response:
            if text is None:
                return 404, "text/html; charset=utf-8", b"<h1>Not found</h1>"
            return 200, "text/html; charset=utf-8", text.encode()

        def at_path(render: Page) -> Route:
            return lambda body, query: serve(render(query))

        def under_prefix(render: PrefixPage) -> Route:
            return lambda body, query: serve(render(unquote(query.pop("__path__", [""])[0]), query))

        pages, prefixes = console.routes()
        for path, render in pages.items():
            self.routes[("GET", path)] = at_path(render)
        for prefix, under in prefixes.items():
            self.prefixes[prefix] = under_prefix(under)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _reset_stats(self, body: bytes, query: dict[str, list[str]]) -> Response:
        self._stats.reset()
        return _json(200, self._stats.snapshot())

    def _add_faults(self, body: bytes, query: dict[str, list[str]]) -> Response:
        spec = json.loads(body or b"{}")
        specs = spec if isinstance(spec, list) else [spec]
        return _json(200, [self._faults.add(item).as_dict() for item in specs])

    def _clear_faults(self, body: bytes, query: dict[str, list[str]]) -> Response:
        self._faults.clear()
        return _json(200, [])
