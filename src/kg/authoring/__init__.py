"""Growing the graph: register an article, propose its facts, review them.

The authoring side writes ``seeds/`` and ``graph/`` files; the build side reads them
and the serving side never sees this package.
"""
