"""The integrity constraints of the RDF Data Cube Vocabulary, run on a build.

The queries are those of the W3C Recommendation "The RDF Data Cube Vocabulary"
(16 January 2014), section 11.1, "Integrity constraints", as published there, run on
the build's ontology, asserted and inferred graphs together after the normalisation of
section 10.2 (phase 1; no component here declares a ``qb:componentAttachment``, so
phase 2 has nothing to push down). Each query asks whether the constraint is
*broken*: ``true`` is a violation.

IC-12 (no two observations of a data set share every dimension value) is published as
a comparison of every pair of observations, quadratic in their number; it is run here
as the equivalent grouping (:func:`duplicate_observations`), and a test holds the two
to the same answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from kg.build.data_store import DataStore
from kg.build.problems import Problem
from kg.build.vocabulary import GRAPH_INFERRED
from kg.typed_results import Term, solutions, text_of

PREFIXES = """\
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX qb:   <http://purl.org/linked-data/cube#>
PREFIX xsd:  <http://www.w3.org/2001/XMLSchema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
"""

# Section 10.2, phase 1: type and property closure, as CONSTRUCT queries (the
# Recommendation gives them as SPARQL Update; the triples are the same).
NORMALIZATION = [
    "CONSTRUCT { ?o rdf:type qb:Observation } WHERE { [] qb:observation ?o }",
    "CONSTRUCT { ?o rdf:type qb:Observation } WHERE { ?o qb:dataSet [] }",
    "CONSTRUCT { ?s rdf:type qb:Slice } WHERE { [] qb:slice ?s }",
    "CONSTRUCT { ?cs qb:componentProperty ?p . ?p rdf:type qb:DimensionProperty } "
    "WHERE { ?cs qb:dimension ?p }",
    "CONSTRUCT { ?cs qb:componentProperty ?p . ?p rdf:type qb:MeasureProperty } "
    "WHERE { ?cs qb:measure ?p }",
    "CONSTRUCT { ?cs qb:componentProperty ?p . ?p rdf:type qb:AttributeProperty } "
    "WHERE { ?cs qb:attribute ?p }",
]


@dataclass(frozen=True)
class Constraint:
    name: str
    meaning: str
    query: str


CONSTRAINTS = [
    Constraint(
        "IC-1",
        "Unique DataSet: every qb:Observation has exactly one associated qb:DataSet.",
        """ASK {
  {
    # Check observation has a data set
    ?obs a qb:Observation .
    FILTER NOT EXISTS { ?obs qb:dataSet ?dataset1 . }
  } UNION {
    # Check has just one data set
    ?obs a qb:Observation ;
       qb:dataSet ?dataset1, ?dataset2 .
    FILTER (?dataset1 != ?dataset2)
  }
}""",
    ),
    Constraint(
        "IC-2",
        "Unique DSD: every qb:DataSet has exactly one associated qb:DataStructureDefinition.",
        """ASK {
  {
    # Check dataset has a dsd
    ?dataset a qb:DataSet .
    FILTER NOT EXISTS { ?dataset qb:structure ?dsd . }
  } UNION {
    # Check has just one dsd
    ?dataset a qb:DataSet ;
       qb:structure ?dsd1, ?dsd2 .
    FILTER (?dsd1 != ?dsd2)
  }
}""",
    ),
    Constraint(
        "IC-3",
        "DSD includes measure: every qb:DataStructureDefinition includes at least one "
        "declared measure.",
        """ASK {
  ?dsd a qb:DataStructureDefinition .
  FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty [a qb:MeasureProperty]] }
}""",
    ),
    Constraint(
        "IC-4",
        "Dimensions have range: every dimension declared in a "
        "qb:DataStructureDefinition has a declared rdfs:range.",
        """ASK {
  ?dim a qb:DimensionProperty .
  FILTER NOT EXISTS { ?dim rdfs:range [] }
}""",
    ),
    Constraint(
        "IC-5",
        "Concept dimensions have code lists: every dimension with range skos:Concept has "
        "a qb:codeList.",
        """ASK {
  ?dim a qb:DimensionProperty ;
       rdfs:range skos:Concept .
  FILTER NOT EXISTS { ?dim qb:codeList [] }
}""",
    ),
    Constraint(
        "IC-6",
        "Only attributes may be optional.",
        """ASK {
  ?dsd qb:component ?componentSpec .
  ?componentSpec qb:componentRequired "false"^^xsd:boolean ;
                 qb:componentProperty ?component .
  FILTER NOT EXISTS { ?component a qb:AttributeProperty }
}""",
    ),
    Constraint(
        "IC-7",
        "Slice keys must be declared: every qb:SliceKey is associated with a "
        "qb:DataStructureDefinition.",
        """ASK {
    ?sliceKey a qb:SliceKey .
    FILTER NOT EXISTS { [a qb:DataStructureDefinition] qb:sliceKey ?sliceKey }
}""",
    ),
    Constraint(
        "IC-8",
        "Slice keys consistent with DSD: every qb:componentProperty of a qb:SliceKey is "
        "declared as a component of its qb:DataStructureDefinition.",
        """ASK {
  ?slicekey a qb:SliceKey;
      qb:componentProperty ?prop .
  ?dsd qb:sliceKey ?slicekey .
  FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty ?prop] }
}""",
    ),
    Constraint(
        "IC-9",
        "Unique slice structure: each qb:Slice has exactly one qb:sliceStructure.",
        """ASK {
  {
    # Slice has a key
    ?slice a qb:Slice .
    FILTER NOT EXISTS { ?slice qb:sliceStructure ?key }
  } UNION {
    # Slice has just one key
    ?slice a qb:Slice ;
           qb:sliceStructure ?key1, ?key2;
    FILTER (?key1 != ?key2)
  }
}""",
    ),
    Constraint(
        "IC-10",
        "Slice dimensions complete: every qb:Slice has a value for every dimension "
        "declared in its qb:sliceStructure.",
        """ASK {
  ?slice qb:sliceStructure [qb:componentProperty ?dim] .
  FILTER NOT EXISTS { ?slice ?dim [] }
}""",
    ),
    Constraint(
        "IC-11",
        "All dimensions required: every qb:Observation has a value for each dimension "
        "declared in its associated qb:DataStructureDefinition.",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty;
    FILTER NOT EXISTS { ?obs ?dim [] }
}""",
    ),
    Constraint(
        "IC-12",
        "No duplicate observations: no two qb:Observations in the same qb:DataSet have "
        "the same value for all dimensions.",
        """ASK {
  FILTER( ?allEqual )
  {
    # For each pair of observations test if all the dimension values are the same
    SELECT (MIN(?equal) AS ?allEqual) WHERE {
        ?obs1 qb:dataSet ?dataset .
        ?obs2 qb:dataSet ?dataset .
        FILTER (?obs1 != ?obs2)
        ?dataset qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty .
        ?obs1 ?dim ?value1 .
        ?obs2 ?dim ?value2 .
        BIND( ?value1 = ?value2 AS ?equal)
    } GROUP BY ?obs1 ?obs2
  }
}""",
    ),
    Constraint(
        "IC-13",
        "Required attributes: every qb:Observation has a value for each declared "
        "attribute that is marked as required.",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component ?component .
    ?component qb:componentRequired "true"^^xsd:boolean ;
               qb:componentProperty ?attr .
    FILTER NOT EXISTS { ?obs ?attr [] }
}""",
    ),
    Constraint(
        "IC-14",
        "All measures present: in a qb:DataSet which does not use a measure dimension, "
        "each observation has a value for every declared measure.",
        """ASK {
    # Observation in a non-measureType cube
    ?obs qb:dataSet/qb:structure ?dsd .
    FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty qb:measureType }

    # verify every measure is present
    ?dsd qb:component/qb:componentProperty ?measure .
    ?measure a qb:MeasureProperty;
    FILTER NOT EXISTS { ?obs ?measure [] }
}""",
    ),
    Constraint(
        "IC-15",
        "Measure dimension consistent: in a qb:DataSet which uses a measure dimension, "
        "each observation has a value for the measure given by its qb:measureType.",
        """ASK {
    # Observation in a measureType-cube
    ?obs qb:dataSet/qb:structure ?dsd ;
         qb:measureType ?measure .
    ?dsd qb:component/qb:componentProperty qb:measureType .
    # Must have value for its measureType
    FILTER NOT EXISTS { ?obs ?measure [] }
}""",
    ),
    Constraint(
        "IC-16",
        "Single measure on measure dimension observation: in a qb:DataSet which uses a "
        "measure dimension, each observation has a value for no other measure.",
        """ASK {
    # Observation with measureType
    ?obs qb:dataSet/qb:structure ?dsd ;
         qb:measureType ?measure ;
         ?omeasure [] .
    # Any measure on the observation
    ?dsd qb:component/qb:componentProperty qb:measureType ;
         qb:component/qb:componentProperty ?omeasure .
    ?omeasure a qb:MeasureProperty .
    # Must be the same as the measureType
    FILTER (?omeasure != ?measure)
}""",
    ),
    Constraint(
        "IC-17",
        "All measures present in measures dimension cube: with a measure dimension, "
        "each measure has an observation at every point.",
        """ASK {
  {
      # Count number of other measures found at each point
      SELECT ?numMeasures (COUNT(?obs2) AS ?count) WHERE {
          {
              # Find the DSDs and check how many measures they have
              SELECT ?dsd (COUNT(?m) AS ?numMeasures) WHERE {
                  ?dsd qb:component/qb:componentProperty ?m.
                  ?m a qb:MeasureProperty .
              } GROUP BY ?dsd
          }

          # Observation in measureType cube
          ?obs1 qb:dataSet/qb:structure ?dsd;
                qb:dataSet ?dataset ;
                qb:measureType ?m1 .

          # Other observation at same dimension value
          ?obs2 qb:dataSet ?dataset ;
                qb:measureType ?m2 .
          FILTER NOT EXISTS {
              ?dsd qb:component/qb:componentProperty ?dim .
              FILTER (?dim != qb:measureType)
              ?dim a qb:DimensionProperty .
              ?obs1 ?dim ?v1 .
              ?obs2 ?dim ?v2.
              FILTER (?v1 != ?v2)
          }

      } GROUP BY ?obs1 ?numMeasures
        HAVING (COUNT(?obs2) != ?numMeasures)
  }
}""",
    ),
    Constraint(
        "IC-18",
        "Consistent data set links: an observation in a slice of a qb:DataSet is in "
        "that qb:DataSet.",
        """ASK {
    ?dataset qb:slice       ?slice .
    ?slice   qb:observation ?obs .
    FILTER NOT EXISTS { ?obs qb:dataSet ?dataset . }
}""",
    ),
    Constraint(
        "IC-19",
        "Codes from code list: a dimension value with a qb:codeList is a skos:Concept in "
        "that scheme (or a member of that collection).",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
        qb:codeList ?list .
    ?list a skos:ConceptScheme .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?v a skos:Concept ; skos:inScheme ?list }
}""",
    ),
    Constraint(
        "IC-19",
        "Codes from code list (collection form).",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
        qb:codeList ?list .
    ?list a skos:Collection .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?v a skos:Concept . ?list skos:member+ ?v }
}""",
    ),
]

# IC-20 and IC-21 are templates, instantiated once per parent-child property.
HIERARCHY_PROPERTIES = """SELECT ?p WHERE {
    ?hierarchy a qb:HierarchicalCodeList ;
                 qb:parentChildProperty ?pcp .
    FILTER( isIRI(?pcp) )
    BIND(?pcp AS ?p)
}"""
HIERARCHY_CONSTRAINTS = [
    Constraint(
        "IC-20",
        "Codes from hierarchy: a dimension value with a qb:HierarchicalCodeList is "
        "reachable from its root by the parent-child property.",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
        qb:codeList ?list .
    ?list a qb:HierarchicalCodeList .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?list qb:hierarchyRoot/<$p>* ?v }
}""",
    ),
    Constraint(
        "IC-21",
        "Codes from hierarchy (inverse).",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
        qb:codeList ?list .
    ?list a qb:HierarchicalCodeList .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?list qb:hierarchyRoot/(^<$p>)* ?v }
}""",
    ),
]

QUADRATIC = {"IC-12"}

Ask = Callable[[str], bool]
Select = Callable[[str], list[ox.QuerySolution]]
Graphs = list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]


def _graphs(data: DataStore) -> Graphs:
    return [data.graph, data.ontology, ox.NamedNode(str(GRAPH_INFERRED))]


def _asker(data: DataStore, normal: ox.NamedNode) -> tuple[Ask, Select]:
    graphs = [*_graphs(data), normal]

    def ask(query: str) -> bool:
        return bool(data.store.query(PREFIXES + query, default_graph=graphs))

    def select(query: str) -> list[ox.QuerySolution]:
        return list(solutions(data.store.query(PREFIXES + query, default_graph=graphs)))

    return ask, select


def _normalize(data: DataStore, normal: ox.NamedNode) -> None:
    for query in NORMALIZATION:
        result = data.store.query(PREFIXES + query, default_graph=_graphs(data))
        assert isinstance(result, ox.QueryTriples)
        data.extend(list(result), normal)


def duplicate_observations(select: Select) -> list[tuple[str, str]]:
    """Pairs of observations of one data set with equal values for every dimension.

    The published IC-12 compares every pair; grouping observations by their dimension
    values finds the same pairs in one pass.
    """
    rows = select(
        """SELECT ?dataset ?obs ?dim ?value WHERE {
            ?obs qb:dataSet ?dataset .
            ?dataset qb:structure/qb:component/qb:componentProperty ?dim .
            ?dim a qb:DimensionProperty .
            ?obs ?dim ?value .
        }"""
    )
    values: dict[tuple[Term, Term], dict[Term, set[Term]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        values[(row["dataset"], row["obs"])][row["dim"]].add(row["value"])
    cells: dict[tuple, list[str]] = defaultdict(list)
    for (dataset, obs), by_dim in values.items():
        if any(len(v) > 1 for v in by_dim.values()):
            # Two values for one dimension: some pair of values differs, so the published
            # query's MIN over the pairs is false and it is no one's duplicate.
            continue
        cell = (dataset, tuple(sorted((str(d), str(next(iter(v)))) for d, v in by_dim.items())))
        cells[cell].append(text_of(obs))
    pairs = [
        (a, b)
        for members in cells.values()
        for i, a in enumerate(sorted(members))
        for b in sorted(members)[i + 1 :]
    ]
    return pairs


def integrity_problems(data: DataStore, file_of: Callable[[object], str]) -> list[Problem]:
    """One problem per Data Cube integrity constraint the build breaks (none is good).

    Needs the inferred graph in the store; adds the normalisation triples to a scratch
    graph and removes them again.
    """
    normal = ox.NamedNode("urn:x-lgde:datacube-normalization")
    _normalize(data, normal)
    try:
        ask, select = _asker(data, normal)
        problems: list[Problem] = []
        for constraint in CONSTRAINTS:
            if constraint.name in QUADRATIC:
                continue
            if ask(constraint.query):
                problems.extend(_problems(constraint, constraint.query, select, file_of))
        for a, b in duplicate_observations(select):
            problems.append(
                Problem(
                    "datacube",
                    file_of(ox.NamedNode(a)),
                    a,
                    f"IC-12 no duplicate observations: <{a}> and <{b}> are in the same "
                    "data set with the same value for every dimension",
                )
            )
        for row in select(HIERARCHY_PROPERTIES):
            for constraint in HIERARCHY_CONSTRAINTS:
                query = constraint.query.replace("$p", row["p"].value)
                if ask(query):
                    problems.extend(_problems(constraint, query, select, file_of))
        return problems
    finally:
        data.store.clear_graph(normal)


_VARIABLES = [
    ox.Variable(n)
    for n in (
        "obs",
        "obs1",
        "obs2",
        "dim",
        "dataset",
        "dsd",
        "slice",
        "sliceKey",
        "slicekey",
        "v",
        "value1",
        "list",
        "component",
        "componentSpec",
        "prop",
        "attr",
        "measure",
    )
]


def _bound(row: ox.QuerySolution, variable: ox.Variable) -> bool:
    try:
        return row[variable] is not None
    except (KeyError, IndexError):
        return False


# The variable that names the thing at fault, in the order they are tried.
_CULPRITS = ("obs", "obs1", "dim", "dataset", "dsd", "slice", "sliceKey", "slicekey")


def _problems(
    constraint: Constraint, query: str, select: Callable[[str], list], file_of
) -> list[Problem]:
    """The constraint's own pattern, asked for its bindings: which resources break it."""
    result = select(query.replace("ASK", "SELECT * WHERE", 1) + " LIMIT 20")
    problems = []
    for row in result or [None]:
        subject, detail = "", ""
        if row is not None:
            bound = {v.value: row[v] for v in _VARIABLES if _bound(row, v)}
            name = next((n for n in _CULPRITS if isinstance(bound.get(n), ox.NamedNode)), "")
            subject = bound[name].value if name else ""
            detail = "; ".join(f"?{k} = {v}" for k, v in sorted(bound.items()) if k != name)
        where = file_of(ox.NamedNode(subject)) if subject else ""
        message = f"{constraint.name} {constraint.meaning}" + (f" ({detail})" if detail else "")
        problems.append(Problem("datacube", where, subject, message))
    return sorted(set(problems))


def check_constraints_published(data: DataStore) -> dict[str, bool]:
    """Every constraint exactly as published, IC-12 included: name → broken.

    For tests and small graphs; the build uses :func:`integrity_problems`.
    """
    normal = ox.NamedNode("urn:x-lgde:datacube-normalization")
    _normalize(data, normal)
    try:
        ask, select = _asker(data, normal)
        broken: dict[str, bool] = defaultdict(bool)
        for constraint in CONSTRAINTS:
            broken[constraint.name] |= ask(constraint.query)
        hierarchy = [row["p"].value for row in select(HIERARCHY_PROPERTIES)]
        for constraint in HIERARCHY_CONSTRAINTS:
            broken[constraint.name] |= any(
                ask(constraint.query.replace("$p", p)) for p in hierarchy
            )
        return dict(broken)
    finally:
        data.store.clear_graph(normal)
