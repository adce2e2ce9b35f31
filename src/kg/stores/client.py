"""An HTTP client for a SPARQL store: queries, updates and the Graph Store Protocol,
with Basic or Digest authentication (whichever the store asks for), a timeout on every
request, and errors that name the step and say what to do."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
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
        if auth:
            user, _, password = auth.partition(":")
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in (profile.query_url, profile.update_url, profile.gsp_url):
                if url:
                    passwords.add_password(None, url, user, password)
            handlers += [
                urllib.request.HTTPDigestAuthHandler(passwords),
                urllib.request.HTTPBasicAuthHandler(passwords),
            ]
        # No proxy from the environment: the store is where it was said to be.
        handlers.append(urllib.request.ProxyHandler({}))
        self.opener = urllib.request.build_opener(*handlers)

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
                403: "the store refused: the user may lack the right to write",
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

    def select(self, step: str, query: str, **params: str) -> list[dict]:
        """The bindings of a SELECT, as SPARQL JSON, quirks and all."""
        body = urllib.parse.urlencode({"query": query, **params}).encode()
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
