"""What each kind of SPARQL store needs: where its endpoints are, how it takes a
timeout, how it authenticates, how it bends the protocols.

Oxigraph server and Virtuoso are tested here against real servers. Fuseki and QLever
cannot be installed from the registries this project's machines reach: their profiles
follow their documentation and are marked untested. ``generic`` takes the endpoints as
given and assumes nothing else.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, replace

KINDS = ("oxigraph", "virtuoso", "fuseki", "qlever", "generic")


@dataclass(frozen=True)
class Profile:
    kind: str
    query_url: str
    update_url: str | None  # SPARQL 1.1 Update; None: the store has none over HTTP
    gsp_url: str | None  # SPARQL 1.1 Graph Store Protocol
    gsp_graph_parameter: str = "graph"  # the GSP's name for the graph's IRI
    timeout_parameter: str | None = None  # a per-request timeout the store honours
    timeout_unit: float = 1.0  # how many of the parameter's units make a second
    tested: bool = False
    # What the store writes into a 200 answer it cut off at its own deadline, if it does.
    cancelled: bytes | None = None
    # Words in the store's refusal of an update too large for one transaction, and the
    # prologue under which it commits such an update as it goes (kg publish then switches
    # graph by graph).
    too_large: str | None = None
    commit_as_it_goes: str = ""
    # A pattern that binds ?g to each named graph: SPARQL's own lists the graphs without
    # reading their triples, where a store answers it.
    named_graphs: str = "GRAPH ?g { }"
    # How to turn SERVICE and updates off on this kind of store, for the README and
    # the deployment notes; kg serve refuses both itself in any case.
    hardening: str = ""

    def timeout_arguments(self, seconds: float) -> dict[str, str]:
        """The query parameter that asks the store to stop after ``seconds``.

        >>> profile("virtuoso", "http://127.0.0.1:8890").timeout_arguments(2.5)
        {'timeout': '2500'}
        >>> profile("oxigraph", "http://127.0.0.1:7878").timeout_arguments(2.5)
        {}
        """
        if not self.timeout_parameter:
            return {}
        return {self.timeout_parameter: str(max(1, round(seconds * self.timeout_unit)))}


def profile(
    kind: str,
    url: str,
    *,
    query_url: str | None = None,
    update_url: str | None = None,
    gsp_url: str | None = None,
) -> Profile:
    """The profile of a store of ``kind`` whose base address is ``url``.

    >>> p = profile("oxigraph", "http://127.0.0.1:7878/")
    >>> p.query_url, p.update_url, p.gsp_url
    ('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')
    >>> profile("virtuoso", "http://127.0.0.1:8890").gsp_url
    'http://127.0.0.1:8890/sparql-graph-crud-auth'
    >>> profile("generic", "http://x/sparql").update_url is None
    True
    >>> profile("blazegraph", "http://x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: unknown kind of store 'blazegraph'; one of oxigraph, virtuoso, ..., generic
    >>> profile("oxigraph", "localhost:7878")
    Traceback (most recent call last):
    ValueError: 'localhost:7878' is not an http:// or https:// address
    """
    for address in (url, query_url, update_url, gsp_url):
        if address is not None:
            parts = urllib.parse.urlsplit(address)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{address!r} is not an http:// or https:// address")
    base = url.rstrip("/")
    if kind == "oxigraph":
        made = Profile(
            kind,
            f"{base}/query",
            f"{base}/update",
            f"{base}/store",
            tested=True,
            # Oxigraph server stops a query at --timeout-s while its 200 answer is being
            # written, and ends the body with these words.
            cancelled=b"The SPARQL operation has been cancelled",
            hardening=(
                "Oxigraph server has no switch for SERVICE. For a store that only serves, "
                "load it offline (kg publish --dump, oxigraph load) and run oxigraph "
                "serve-read-only, which has no write endpoints; one that kg publish fills "
                "over HTTP (oxigraph serve) has /update and /store open to anyone who "
                "reaches it: bind it to loopback or a private network and let only kg "
                "serve and kg publish reach it. Set --timeout-s either way."
            ),
        )
    elif kind == "virtuoso":
        made = Profile(
            kind,
            f"{base}/sparql",
            f"{base}/sparql-auth",
            f"{base}/sparql-graph-crud-auth",
            gsp_graph_parameter="graph-uri",
            timeout_parameter="timeout",
            timeout_unit=1000.0,  # milliseconds
            tested=True,
            # Virtuoso keeps an update's changes in one transaction up to its
            # TransactionAfterImageLimit (by default, short of a MOVE of a million
            # quads), then refuses it (SR325) and rolls it back. Under log-enable 3 it
            # commits row by row; a MOVE then loses rows, a COPY does not.
            too_large="SR325",
            commit_as_it_goes="DEFINE sql:log-enable 3\n",
            # Virtuoso 7.2 matches no graph with an empty pattern; with a triple pattern
            # it reads the graphs off its GS index.
            named_graphs="GRAPH ?g { ?s ?p ?o }",
            hardening=(
                "Keep the anonymous SPARQL user as Debian's package installs it, unable to "
                "update, LOAD or call SERVICE (no SPARQL_UPDATE role; the tests check all "
                "three), keep the *-auth endpoints for publishing with a "
                "password other than the default, and set [SPARQL] MaxQueryExecutionTime "
                "in virtuoso.ini; ResultSetMaxRows caps answers silently, so give kg serve "
                "its value (store_row_cap)."
            ),
        )
    elif kind == "fuseki":
        made = Profile(
            kind,
            f"{base}/query",
            f"{base}/update",
            f"{base}/data",
            timeout_parameter="timeout",  # seconds (Jena's JENA-218)
            hardening=(
                "Give kg serve a query-only service and keep update and data behind "
                "authentication; turn SERVICE off as Jena's documentation for your version "
                "says; set a default timeout in the server configuration."
            ),
        )
    elif kind == "qlever":
        made = Profile(
            kind,
            base,
            None,
            None,
            timeout_parameter="timeout",  # seconds, as "30s" is also accepted
            # QLever's own README now names updates and the Graph Store Protocol; this
            # profile keeps to its documented index builder and treats it as query-only.
            hardening=(
                "QLever builds its index offline and answers queries over HTTP; run it "
                "where it cannot reach other hosts, since SERVICE would."
            ),
        )
    elif kind == "generic":
        made = Profile(kind, base, None, None)
    else:
        raise ValueError(f"unknown kind of store {kind!r}; one of {', '.join(KINDS)}")
    return replace(
        made,
        query_url=query_url or made.query_url,
        update_url=update_url or made.update_url,
        gsp_url=gsp_url or made.gsp_url,
    )
