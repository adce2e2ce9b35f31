"""OWL 2 RL reasoning, keeping only the inferences a user would ask for.

:func:`infer` closes the ontology once with owlrl and runs the instance rules with
:mod:`kg.build.rl_rules`; :func:`infer_with_owlrl` runs owlrl on everything. Both give the
same triples (a test holds them to it); the first is the one that scales.
"""

from __future__ import annotations

from collections.abc import Callable

import owlrl
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kg.build.data_store import DataStore
from kg.build.rl_rules import (
    SCHEMA_PREDICATES,
    SCHEMA_TYPES,
    CompiledOntology,
    Unsupported,
    closure_of_instances,
)
from kg.namespaces import BASE

# owlrl states these of everything; they carry no information about our data.
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}
_TYPE = RDF.type  # rdflib's namespace attributes cost a lookup each, in hot loops
_REFLEXIVE = {
    OWL.sameAs,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
}


def _keep(triple: tuple) -> bool:
    s, p, o = triple
    if not isinstance(s, URIRef) or not str(s).startswith(BASE):
        return False
    if isinstance(o, BNode):
        return False
    if p in _REFLEXIVE and s == o:
        return False
    # "x a owl:Thing", "p rdfs:range owl:Thing", "C rdfs:subClassOf rdfs:Resource"...
    return o not in _TRIVIAL_TYPES


def _owlrl_closure(*graphs: Graph) -> Graph:
    closure = Graph()
    for graph in graphs:
        closure += graph
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    return closure


Triples = set[tuple[Node, Node, Node]]


def _select(candidates, ontology: Graph, asserted: Callable[[tuple], bool]) -> Triples:
    # Membership of anonymous restriction classes is how OWL RL reaches its
    # conclusions (lgde:Official), not a conclusion anyone asks for.
    restrictions = set(ontology.subjects(RDF.type, OWL.Restriction))
    stated = set(ontology)
    inferred = set()
    for triple in candidates:
        if triple in stated or asserted(triple):
            continue
        if triple[0] in restrictions or (triple[1] == _TYPE and triple[2] in restrictions):
            continue
        if _keep(triple):
            inferred.add(triple)
    return inferred


def infer_with_owlrl(ontology: Graph, asserted: Graph | DataStore) -> Triples:
    """What :func:`infer` returns, computed by owlrl over ontology and data together."""
    if isinstance(asserted, DataStore):
        asserted = asserted.to_graph()
    return _select(_owlrl_closure(ontology, asserted), ontology, asserted.__contains__)


def _closure_of_store(compiled: CompiledOntology, data: DataStore) -> set[tuple]:
    """The triples :func:`closure_of_instances` derives from a store and it does not hold.

    Only the triples some rule reads are taken out of the store (in Python, each costs).
    """
    to_ox = data.terms.ox
    for predicate in SCHEMA_PREDICATES:
        if any(data.triples(None, to_ox(predicate), None)):
            raise Unsupported(f"the data states schema with {predicate}")
    for kind in SCHEMA_TYPES:
        if any(data.triples(None, to_ox(RDF.type), to_ox(kind))):
            raise Unsupported(f"the data states schema: something is a {kind}")
    if any(data.triples(None, to_ox(OWL.sameAs), None)):
        return closure_of_instances(compiled, data.rdflib_triples())  # sameAs reads everything
    predicates, classes = compiled.triggers()
    triples = [t for p in sorted(predicates) for t in data.rdflib_triples(to_ox(p))]
    triples += [t for c in sorted(classes) for t in data.rdflib_triples(to_ox(RDF.type), to_ox(c))]
    derived = closure_of_instances(compiled, triples)
    same_as = OWL.sameAs
    if any(p == same_as for _, p, _ in derived):
        return closure_of_instances(compiled, data.rdflib_triples())
    # A derived triple that a rule reads would have been read, so is not asserted; the
    # others may be (a super-property's triple stated as well), which the store knows.
    return {
        t
        for t in derived
        if t[1] in predicates or (t[1] == _TYPE and t[2] in classes) or t not in data
    }


def infer(ontology: Graph, asserted: Graph | DataStore) -> Triples:
    """The triples OWL 2 RL adds to ontology + asserted data, about the project's own IRIs.

    Axiomatic and datatype triples are turned off, and inferences about other
    vocabularies' terms, reflexive identities and ``owl:Thing`` types are dropped.
    """
    ontology_closure = _owlrl_closure(ontology)
    try:
        compiled = CompiledOntology.from_closure(ontology_closure)
        is_asserted: Callable[[tuple], bool]
        if isinstance(asserted, DataStore):
            derived = _closure_of_store(compiled, asserted)
            store = asserted

            def in_store(triple: tuple) -> bool:
                return triple not in derived and triple in store

            is_asserted = in_store

        else:
            derived = closure_of_instances(compiled, asserted)
            is_asserted = asserted.__contains__
    except Unsupported:
        return infer_with_owlrl(ontology, asserted)
    # _select drops what the ontology or the data already state.
    return _select([*ontology_closure, *derived], ontology, is_asserted)


def consistency_problems(inferred: Triples) -> list[tuple[str, str]]:
    """(subject, message) for every inference that shows the data is wrong.

    Two distinct resources inferred to be the same (through a functional property such
    as org:member) or a resource inferred to be in owl:Nothing means a modelling error.
    """
    found = []
    same_as, nothing = OWL.sameAs, OWL.Nothing
    for s, p, o in inferred:
        if p == same_as and s != o:
            found.append((str(s), f"reasoning merges it with <{o}> (owl:sameAs)"))
        elif p == _TYPE and o == nothing:
            found.append((str(s), "reasoning puts it in owl:Nothing: the data is inconsistent"))
    return sorted(found)
