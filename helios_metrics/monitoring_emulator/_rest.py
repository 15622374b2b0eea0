"""The Monitoring API over HTTP/JSON: every RPC the emulator serves over gRPC, at Google's paths and verbs.

The routes are derived from the services' ``google.api.http`` rules (``_rest_rules``) and the
emulator's table of served methods, so a method added to that table is served here too once its
rule is known. A call goes through the same entry point as a gRPC call (``invoke``: fault
injection, counters, the one event loop that runs every handler), so a fault armed through the
admin API fails a REST call exactly as it fails a gRPC one, with the HTTP status and JSON error
body Google's front end gives that code. A path no rule binds — or bound only for another verb —
is answered 404 with Google's sentence, as its front end routes on the verb and path together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import grpc
from google.api import http_pb2

from ._errors import ApiError
from ._metric_service import Handler
from ._raw import Raw
from ._rest_errors import error_body, url_not_found
from ._rest_rules import RULES, bindings
from ._rest_template import PathTemplate, compile_template
from ._rest_transcode import build_request, output_of, render

__all__ = ["PREFIXES", "Invoke", "RestApi"]

_log = logging.getLogger("monitoring_emulator")

PREFIXES = ("/v1/", "/v3/")
"""The API's paths start with its version; everything else on the HTTP port is the console's."""

Invoke = Callable[[str, Handler, Raw], Raw]
"""Run one call of a method (its name, its handler, the request) as the gRPC server would."""

_VERBS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class _Route:
    verb: str
    template: PathTemplate
    body: str
    method: str
    handler: Handler | None  # None: a method of Google's the emulator does not serve


def _verb_and_path(rule: http_pb2.HttpRule) -> tuple[str, str]:
    verb = rule.WhichOneof("pattern")
    if verb == "custom":
        return rule.custom.kind.upper(), rule.custom.path
    if verb not in _VERBS:
        raise ValueError(f"HTTP rule without a pattern: {rule}")
    return verb.upper(), getattr(rule, verb)


def routes_of(services: Mapping[str, Mapping[str, Handler]]) -> list[_Route]:
    """One route per binding of every served method that has a rule, and of every method Google
    serves that the emulator does not (answered UNIMPLEMENTED, as its gRPC side answers), most
    specific first."""
    found: list[_Route] = []
    for service, handlers in services.items():
        for method, handler in handlers.items():
            rules = bindings(service, method)
            if not rules:
                _log.warning("no HTTP rule for %s.%s: served over gRPC only", service, method)
            for rule in rules:
                verb, path = _verb_and_path(rule)
                found.append(_Route(verb, compile_template(path), rule.body, method, handler))
    for service, methods in RULES.items():
        for method in set(methods) - set(services.get(service, {})):
            for rule in bindings(service, method):
                verb, path = _verb_and_path(rule)
                found.append(_Route(verb, compile_template(path), rule.body, method, None))
    found.sort(key=lambda route: route.template.specificity)
    return found


class RestApi:
    """Answers one HTTP request: ``serve(verb, target, body) -> (status, content type, bytes)``."""

    def __init__(self, services: Mapping[str, Mapping[str, Handler]], invoke: Invoke) -> None:
        self._routes = routes_of(services)
        self._invoke = invoke

    def paths(self) -> list[tuple[str, str, str]]:
        """(verb, path template, method) of every route, for the docs and the tests."""
        return [(route.verb, route.template.text, route.method) for route in self._routes]

    def serve(
        self, verb: str, target: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> tuple[int, str, bytes]:
        """A POST with ``X-HTTP-Method-Override`` is that verb; its form-encoded body is more query
        (googleapiclient sends a GET whose URL passes 2048 characters so)."""
        parts = urlsplit(target)
        query = parse_qsl(parts.query, keep_blank_values=True)
        header = {key.lower(): value for key, value in (headers or {}).items()}
        override = header.get("x-http-method-override", "").upper()
        if verb == "POST" and override:
            verb = override
            if header.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                query += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
                body = b""
        output = output_of(query)
        try:
            for route in self._routes:
                if route.verb != verb:
                    continue
                variables = route.template.match(parts.path)
                if variables is None:
                    continue
                if route.handler is None:
                    raise ApiError(grpc.StatusCode.UNIMPLEMENTED, "Method not found!")
                request = build_request(route.handler[1], route.body, variables, query, body)
                content_type, payload = render(self._invoke(route.method, route.handler, request), output)
                return 200, content_type, payload
            raise url_not_found(parts.path)
        except ApiError as error:
            status, payload = error_body(error)
        except Exception:  # a bug here must answer like the gRPC side does, not drop the connection
            _log.exception("%s %s failed", verb, parts.path)
            status, payload = error_body(ApiError(grpc.StatusCode.INTERNAL, "An internal error occurred."))
        return status, "application/json; charset=UTF-8", payload
