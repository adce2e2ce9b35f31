"""OWL 2 RL reasoning, keeping only the inferences a user would ask for.

:func:`infer` closes the ontology once with owlrl and runs the instance rules with
:mod:`kg.rl_rules`; :func:`infer_with_owlrl` runs owlrl on everything. Both give the
same triples (a test holds them to it); the first is the one that scales.
"""

from __future__ import annotations

import owlrl
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg.namespaces import BASE
from kg.rl_rules import CompiledOntology, Unsupported, closure_of_instances

# owlrl states these of everything; they carry no information about our data.
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}
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


def _select(candidates, ontology: Graph, asserted: Graph) -> Graph:
    # Membership of anonymous restriction classes is how OWL RL reaches its
    # conclusions (lgde:Official), not a conclusion anyone asks for.
    restrictions = set(ontology.subjects(RDF.type, OWL.Restriction))
    inferred = Graph()
    for triple in candidates:
        if triple in asserted or triple in ontology:
            continue
        if triple[0] in restrictions or (triple[1] == RDF.type and triple[2] in restrictions):
            continue
        if _keep(triple):
            inferred.add(triple)
    return inferred


def infer_with_owlrl(ontology: Graph, asserted: Graph) -> Graph:
    """What :func:`infer` returns, computed by owlrl over ontology and data together."""
    return _select(_owlrl_closure(ontology, asserted), ontology, asserted)


def infer(ontology: Graph, asserted: Graph) -> Graph:
    """The triples OWL 2 RL adds to ontology + asserted data, about the project's own IRIs.

    Axiomatic and datatype triples are turned off, and inferences about other
    vocabularies' terms, reflexive identities and ``owl:Thing`` types are dropped.
    """
    ontology_closure = _owlrl_closure(ontology)
    try:
        compiled = CompiledOntology.from_closure(ontology_closure)
        derived = closure_of_instances(compiled, asserted)
    except Unsupported:
        return infer_with_owlrl(ontology, asserted)
    # _select drops what the ontology or the data already state.
    return _select([*ontology_closure, *derived], ontology, asserted)


def consistency_problems(inferred: Graph) -> list[tuple[str, str]]:
    """(subject, message) for every inference that shows the data is wrong.

    Two distinct resources inferred to be the same (through a functional property such
    as org:member) or a resource inferred to be in owl:Nothing means a modelling error.
    """
    found = []
    for s, o in inferred.subject_objects(OWL.sameAs):
        if s != o:
            found.append((str(s), f"reasoning merges it with <{o}> (owl:sameAs)"))
    for s in inferred.subjects(RDF.type, OWL.Nothing):
        found.append((str(s), "reasoning puts it in owl:Nothing: the data is inconsistent"))
    return sorted(found)
