"""An HTTP client for a SPARQL store: queries, updates and the Graph Store Protocol,
with Basic or Digest authentication (whichever the store asks for), a timeout on every
request, and errors that name the step and say what to do."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from kg.stores.profiles import Profile


class StoreError(RuntimeError):
    """The store refused, failed or did not answer; the message says where and what to do."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


class StoreClient:
    def __init__(self, profile: Profile, auth: str | None = None, timeout: float = 60) -> None:
        self.profile = profile
        self.timeout = timeout
        handlers: list[urllib.request.BaseHandler] = []
        self.digest: urllib.request.HTTPDigestAuthHandler | None = None
        if auth:
            user, _, password = auth.partition(":")
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in (profile.query_url, profile.update_url, profile.gsp_url):
                if url:
                    passwords.add_password(None, url, user, password)
            self.digest = urllib.request.HTTPDigestAuthHandler(passwords)
            handlers += [self.digest, urllib.request.HTTPBasicAuthHandler(passwords)]
        # No proxy from the environment: the store is where it was said to be.
        handlers.append(urllib.request.ProxyHandler({}))
        self.opener = urllib.request.build_opener(*handlers)
        self.plain = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _sign(self, request: urllib.request.Request) -> None:
        """Answer a Digest challenge before a large body is sent: a store that asks for
        credentials after the first bytes closes the connection while they are still
        going out (a broken pipe), so the challenge is fetched with a body-less request
        first."""
        if self.digest is None or not isinstance(request.data, bytes) or len(request.data) < 65_536:
            return
        probe = urllib.request.Request(request.full_url, method="HEAD")
        try:
            with self.plain.open(probe, timeout=self.timeout):
                return  # no credentials asked for
        except urllib.error.HTTPError as error:
            challenge = error.headers.get("www-authenticate", "")
            if error.code != 401 or not challenge.lower().startswith("digest "):
                return
        except OSError:
            return  # the request itself will say what is wrong
        fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(challenge[7:]))
        signed = self.digest.get_authorization(request, fields)
        if signed:
            request.add_unredirected_header("Authorization", f"Digest {signed}")

    def request(
        self,
        step: str,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Reply:
        """One request; a :class:`StoreError` naming ``step`` for anything but 2xx."""
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        self._sign(request)
        try:
            with self.opener.open(request, timeout=timeout or self.timeout) as response:
                return Reply(
                    response.status,
                    {k.lower(): v for k, v in response.headers.items()},
                    response.read(),
                )
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode("utf-8", "replace").strip()
            advice = {
                401: "the store wants credentials: give --auth USER:PASSWORD",
                403: "the store refused: it may be read-only, or the user lack the right to write",
                404: f"no such endpoint: is this a {self.profile.kind} store (--kind)?",
                405: f"the endpoint does not take {method}: check --kind",
                413: "the request is too large for the store: use a smaller --chunk",
            }.get(error.code, "see the store's log")
            raise StoreError(
                f"{step}: the store answered {error.code} at {url}"
                + (f" ({detail})" if detail else "")
                + f"; {advice}"
            ) from None
        except TimeoutError:
            raise StoreError(
                f"{step}: the store did not answer within {timeout or self.timeout:g} s at "
                f"{url}; try again, or raise --timeout"
            ) from None
        except urllib.error.URLError as error:
            raise StoreError(
                f"{step}: cannot reach the store at {url} ({error.reason}); is it running?"
            ) from None

    def select(self, step: str, query: str, params: Sequence[tuple[str, str]] = ()) -> list[dict]:
        """The bindings of a SELECT, as SPARQL JSON, quirks and all; ``params`` are more
        protocol parameters (``default-graph-uri``…)."""
        body = urllib.parse.urlencode([("query", query), *params]).encode()
        reply = self.request(
            step,
            "POST",
            self.profile.query_url,
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
        )
        try:
            return json.loads(reply.body)["results"]["bindings"]
        except (ValueError, KeyError):
            raise StoreError(
                f"{step}: the store's answer is not SPARQL JSON results "
                f"({reply.body[:120]!r}); is {self.profile.query_url} its query endpoint?"
            ) from None

    def update(self, step: str, update: str) -> None:
        if not self.profile.update_url:
            raise StoreError(f"{step}: a {self.profile.kind} store takes no SPARQL Update")
        body = urllib.parse.urlencode({"update": update}).encode()
        self.request(
            step,
            "POST",
            self.profile.update_url,
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def put_graph(self, step: str, graph: str, ntriples: bytes, replace: bool) -> None:
        """Replace (PUT) or add to (POST) ``graph`` by the Graph Store Protocol."""
        if not self.profile.gsp_url:
            raise StoreError(f"{step}: a {self.profile.kind} store has no Graph Store Protocol")
        query = urllib.parse.urlencode({self.profile.gsp_graph_parameter: graph})
        self.request(
            step,
            "PUT" if replace else "POST",
            f"{self.profile.gsp_url}?{query}",
            ntriples,
            {"Content-Type": "application/n-triples"},
        )

    def count(self, step: str, graph: str) -> int:
        rows = self.select(
            step, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        )
        try:
            return int(rows[0]["n"]["value"]) if rows else 0
        except (KeyError, ValueError):
            raise StoreError(
                f"{step}: the store's count of <{graph}> is not a number: {rows}"
            ) from None
