"""OWL 2 RL over instance data, with the ontology's part of the closure worked out once.

owlrl re-applies every rule to every triple in each pass until nothing changes, which
grows faster than the data. Here the ontology is closed first (by owlrl itself, on the
ontology alone, which is small), its axioms are compiled into lookup tables, and the
instance rules then run once per new triple, joined through indexes (semi-naive
forward chaining). The rules are OWL 2 RL's, as owlrl implements them:

======================  ==========================================================
prp-dom, prp-rng        domains and ranges (already closed over sub-classes and
                        sub-properties in the ontology's closure)
prp-spo1, prp-eqp1/2    super-properties (equivalent properties are mutual ones)
prp-inv1/2, prp-symp    inverse and symmetric properties
prp-trp                 transitive properties
prp-fp, prp-ifp         (inverse) functional properties give owl:sameAs
cax-sco, cax-eqc1/2     super-classes (equivalent classes are mutual ones)
cls-svf1/2              owl:someValuesFrom restrictions, nested ones included
eq-sym, eq-trans,       owl:sameAs: each resource's triples are copied to the
eq-rep-s/p/o            resources it is the same as
======================  ==========================================================

Rules that only report inconsistencies (cax-dw, prp-irp, ...) add no triples, and
``eq-ref`` adds only reflexive ``owl:sameAs``, so neither is run. An ontology with a
construct outside this list (``owl:hasValue``, ``owl:propertyChainAxiom``, ...) or data
that says something about the schema is refused with :class:`Unsupported`, and the
caller falls back to owlrl.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node


class Unsupported(Exception):
    """The ontology or the data needs rules this engine does not run; use owlrl."""


# Axioms whose rules this engine runs, read from the ontology's closure.
_COMPILED = {
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    OWL.inverseOf,
    OWL.onProperty,
    OWL.someValuesFrom,
}
# Axioms that only lead to inconsistency reports, which add no triples.
_REPORT_ONLY = {
    OWL.disjointWith,
    OWL.propertyDisjointWith,
    OWL.complementOf,
    OWL.members,
    OWL.distinctMembers,
    OWL.differentFrom,
}
# Axioms with rules this engine does not run.
_UNSUPPORTED = {
    OWL.hasValue,
    OWL.allValuesFrom,
    OWL.propertyChainAxiom,
    OWL.intersectionOf,
    OWL.unionOf,
    OWL.oneOf,
    OWL.hasKey,
    OWL.maxCardinality,
    OWL.maxQualifiedCardinality,
    OWL.sourceIndividual,
    OWL.assertionProperty,
    OWL.targetIndividual,
    OWL.targetValue,
}
SCHEMA_PREDICATES = _COMPILED | _REPORT_ONLY | _UNSUPPORTED
# Types that make their subject part of the schema.
SCHEMA_TYPES = {
    OWL.Class,
    RDFS.Class,
    RDFS.Datatype,
    OWL.Restriction,
    RDF.Property,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
    OWL.SymmetricProperty,
    OWL.AsymmetricProperty,
    OWL.TransitiveProperty,
    OWL.ReflexiveProperty,
    OWL.IrreflexiveProperty,
    OWL.AllDifferent,
    OWL.AllDisjointClasses,
    OWL.AllDisjointProperties,
    OWL.NegativePropertyAssertion,
}


_TYPE = RDF.type  # rdflib's namespace attributes cost a lookup each, in hot loops


def _is_schema(triple: tuple) -> bool:
    _, p, o = triple
    return p in SCHEMA_PREDICATES or (p == _TYPE and o in SCHEMA_TYPES)


@dataclass
class CompiledOntology:
    """The instance rules of a closed ontology, as tables keyed by class or property."""

    closure: Graph
    super_classes: dict = field(default_factory=lambda: defaultdict(set))
    super_properties: dict = field(default_factory=lambda: defaultdict(set))
    domains: dict = field(default_factory=lambda: defaultdict(set))
    ranges: dict = field(default_factory=lambda: defaultdict(set))
    inverses: dict = field(default_factory=lambda: defaultdict(set))
    symmetric: set = field(default_factory=set)
    transitive: set = field(default_factory=set)
    functional: set = field(default_factory=set)
    inverse_functional: set = field(default_factory=set)
    # property -> [(restriction, class the value must have, or None for owl:Thing)]
    some_values: dict = field(default_factory=lambda: defaultdict(list))
    # class -> [(restriction, property)]
    some_values_by_class: dict = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def from_closure(cls, closure: Graph) -> CompiledOntology:
        """Tables from an ontology already closed under OWL 2 RL (scm-* rules applied)."""
        used = {p for p in closure.predicates() if p in _UNSUPPORTED}
        if used:
            normalize = closure.namespace_manager.normalizeUri
            names = ", ".join(sorted(normalize(cast(URIRef, p)) for p in used))
            raise Unsupported(f"the ontology uses {names}")
        compiled = cls(closure)
        for c, d in closure.subject_objects(RDFS.subClassOf):
            compiled.super_classes[c].add(d)
        for c, d in closure.subject_objects(OWL.equivalentClass):
            compiled.super_classes[c].add(d)
            compiled.super_classes[d].add(c)
        for p, q in closure.subject_objects(RDFS.subPropertyOf):
            compiled.super_properties[p].add(q)
        for p, q in closure.subject_objects(OWL.equivalentProperty):
            compiled.super_properties[p].add(q)
            compiled.super_properties[q].add(p)
        for p, c in closure.subject_objects(RDFS.domain):
            compiled.domains[p].add(c)
        for p, c in closure.subject_objects(RDFS.range):
            compiled.ranges[p].add(c)
        for p, q in closure.subject_objects(OWL.inverseOf):
            compiled.inverses[p].add(q)
            compiled.inverses[q].add(p)
        kinds = {
            OWL.SymmetricProperty: compiled.symmetric,
            OWL.TransitiveProperty: compiled.transitive,
            OWL.FunctionalProperty: compiled.functional,
            OWL.InverseFunctionalProperty: compiled.inverse_functional,
        }
        for kind, members in kinds.items():
            members.update(closure.subjects(RDF.type, kind))
        for restriction, value_class in closure.subject_objects(OWL.someValuesFrom):
            wanted = None if value_class == OWL.Thing else value_class
            for p in closure.objects(restriction, OWL.onProperty):
                compiled.some_values[p].append((restriction, wanted))
                if wanted is not None:
                    compiled.some_values_by_class[wanted].append((restriction, p))
        if RDF.type in compiled.super_properties.keys() - {RDF.type} or any(
            RDF.type in table for table in (compiled.domains, compiled.ranges, compiled.inverses)
        ):
            raise Unsupported("the ontology gives rdf:type a domain, range or super-property")
        return compiled

    def triggers(self) -> tuple[set, set]:
        """The predicates, and the classes of ``rdf:type`` triples, that some rule reads.

        Without owl:sameAs, a triple with another predicate or class neither fires a rule
        nor is read by one, so the closure of the others is the whole closure.
        """
        predicates = set().union(
            self.super_properties,
            self.domains,
            self.ranges,
            self.inverses,
            self.symmetric,
            self.transitive,
            self.functional,
            self.inverse_functional,
            self.some_values,
        )
        return predicates, set(self.super_classes) | set(self.some_values_by_class)


class _Index:
    """The triples known so far, by subject and by predicate."""

    def __init__(self) -> None:
        self.spo: dict = defaultdict(lambda: defaultdict(set))
        self.pos: dict = defaultdict(lambda: defaultdict(set))

    def add(self, s: Node, p: Node, o: Node) -> bool:
        objects = self.spo[s][p]
        if o in objects:
            return False
        objects.add(o)
        self.pos[p][o].add(s)
        return True

    def objects(self, s: Node, p: Node) -> Iterable[Node]:
        by_predicate = self.spo.get(s)
        return by_predicate.get(p, ()) if by_predicate else ()

    def subjects(self, p: Node, o: Node) -> Iterable[Node]:
        by_object = self.pos.get(p)
        return by_object.get(o, ()) if by_object else ()


def closure_of_instances(compiled: CompiledOntology, data: Iterable[tuple]) -> set[tuple]:
    """Every triple OWL 2 RL derives from ``data`` and the ontology that neither holds.

    Raises :class:`Unsupported` when the data states schema (a class, a property
    characteristic, a sub-class link) or the derivation reaches it.
    """
    # rdflib's namespace attributes cost a lookup each; this loop runs a million times.
    rdf_type, same_as = RDF.type, OWL.sameAs
    index = _Index()
    for triple in compiled.closure:
        index.add(*triple)
    pending = []
    for triple in data:
        if _is_schema(triple):
            raise Unsupported(f"the data states schema: {triple}")
        if index.add(*triple):
            pending.append(triple)
    derived: list[tuple] = []
    # Whether any owl:sameAs between two resources is known: until one is, no triple
    # needs rewriting (the ontology's closure states "x owl:sameAs x" of its terms).
    identities = [any(x != y for y, xs in index.pos.get(same_as, {}).items() for x in xs)]

    def add(s: Node, p: Node, o: Node) -> None:
        if index.add(s, p, o):
            pending.append((s, p, o))
            derived.append((s, p, o))
            if p == same_as and s != o:
                identities[0] = True

    c = compiled
    while pending:
        s, p, o = pending.pop()
        if p == rdf_type:
            for d in c.super_classes.get(o, ()):
                add(s, rdf_type, d)
            for restriction, q in c.some_values_by_class.get(o, ()):
                for x in list(index.subjects(q, s)):
                    add(x, rdf_type, restriction)
        for q in c.super_properties.get(p, ()):
            add(s, q, o)
        for d in c.domains.get(p, ()):
            add(s, rdf_type, d)
        for d in c.ranges.get(p, ()):
            add(o, rdf_type, d)
        for q in c.inverses.get(p, ()):
            add(o, q, s)
        if p in c.symmetric:
            add(o, p, s)
        if p in c.transitive:
            for z in list(index.objects(o, p)):
                add(s, p, z)
            for w in list(index.subjects(p, s)):
                add(w, p, o)
        if p in c.functional:
            for other in list(index.objects(s, p)):
                if other != o:
                    add(o, same_as, other)
                    add(other, same_as, o)
        if p in c.inverse_functional:
            for other in list(index.subjects(p, o)):
                if other != s:
                    add(s, same_as, other)
                    add(other, same_as, s)
        for restriction, wanted in c.some_values.get(p, ()):
            if wanted is None or wanted in index.objects(o, rdf_type):
                add(s, rdf_type, restriction)
        if p == same_as and s != o:
            _copy_identity(index, add, s, o)
        for same in (s, p, o) if identities[0] else ():
            if index.objects(same, same_as):
                _rewrite(index, add, s, p, o)
                break
    if any(_is_schema(t) for t in derived):
        raise Unsupported("reasoning over the data derives schema")
    return set(derived)


def _copy_identity(index: _Index, add, x: Node, y: Node) -> None:
    """eq-sym and eq-rep-s/p/o for a new ``x owl:sameAs y``: y gets x's triples."""
    add(y, OWL.sameAs, x)
    for p, objects in list(index.spo.get(x, {}).items()):
        for o in list(objects):
            add(y, p, o)
    for o, subjects in list(index.pos.get(x, {}).items()):
        for s in list(subjects):
            add(s, y, o)
    for p, by_object in list(index.pos.items()):
        for s in list(by_object.get(x, ())):
            add(s, p, y)


def _rewrite(index: _Index, add, s: Node, p: Node, o: Node) -> None:
    """eq-rep-s/p/o for a new triple whose terms have owl:sameAs partners."""
    for s2 in list(index.objects(s, OWL.sameAs)):
        add(s2, p, o)
    for p2 in list(index.objects(p, OWL.sameAs)):
        add(s, p2, o)
    for o2 in list(index.objects(o, OWL.sameAs)):
        add(s, p, o2)
