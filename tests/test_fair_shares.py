"""While every query worker is busy, a client that has its share waits no longer in line
than others: it is refused at once, and the place goes to a client with fewer."""

from __future__ import annotations

import threading

import pytest

from kg.layout import STORE_DIR
from kg.serve.cache import ResultCache
from kg.serve.engine import QueryEngine
from kg.serve.errors import ApiError
from kg.serve.service import QueryService
from kg.serve.settings import Settings
from kg.serve.worker import Job

from .conftest import wait_until

# Each runs until the deadline; a fresh comment keeps every one a job of its own.
RUNAWAY = "# {n}\nSELECT (COUNT(*) AS ?n) {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }}"
QUICK = "# {n}\nASK {{ ?s a lgde:Province ; rdfs:label ?l }}"


def _job(text: str) -> Job:
    return Job(query=text, form="SELECT", format_key="json", max_rows=10)


@pytest.fixture
def service(build):
    settings = Settings(query_workers=2, query_timeout=2, cache_bytes=0, inline_ms=0)
    engine = QueryEngine(str(build.path / STORE_DIR), workers=2, timeout=2, wait=30, max_waiting=3)
    yield QueryService(settings, engine, ResultCache(0, "test"))
    engine.close()


def _in_background(
    service: QueryService, job: Job, client: str, outcomes: list
) -> threading.Thread:
    def run() -> None:
        try:
            outcomes.append((client, service.run(job, client).answer.ok))
        except ApiError as error:
            outcomes.append((client, error.status))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_client_past_its_share_yields_its_place_to_another(service) -> None:
    outcomes: list = []
    threads = [
        _in_background(service, _job(RUNAWAY.format(n=n)), "hog", outcomes) for n in range(2)
    ]
    wait_until(lambda: service.engine.idle_workers() == 0, what="both workers busy")
    threads.append(_in_background(service, _job(QUICK.format(n=1)), "other", outcomes))
    wait_until(lambda: "other" in service._running, what="the other client in line")
    # The hog has both workers while another client waits: it is refused at once.
    with pytest.raises(ApiError) as refused:
        service.run(_job(RUNAWAY.format(n=3)), "hog")
    assert refused.value.status == 503 and "share" in refused.value.message
    assert "Retry-After" in refused.value.headers
    for thread in threads:
        thread.join()
    # The hog's queries met their deadline; the other client was answered.
    assert sorted(outcomes) == [("hog", 503), ("hog", 503), ("other", True)]


def test_a_client_alone_may_use_every_worker_and_wait_for_them(service) -> None:
    outcomes: list = []
    threads = [
        _in_background(service, _job(RUNAWAY.format(n=n)), "alone", outcomes) for n in range(2)
    ]
    wait_until(lambda: service.engine.idle_workers() == 0, what="both workers busy")
    threads.append(_in_background(service, _job(QUICK.format(n=2)), "alone", outcomes))
    wait_until(lambda: service._running.get("alone") == 3, what="the third query in line")
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [("alone", 503), ("alone", 503), ("alone", True)]
    assert service._running == {}
