"""The ``kg`` command: build, validate, export, query and describe the knowledge graph."""

from __future__ import annotations

import errno
import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

# rdflib, pyoxigraph and the build (owlrl, pySHACL) are imported where a command needs
# them: `kg serve` starts itself again on jemalloc, and processes started from this
# script (query workers) import it again; both should start quickly.
from kg.layout import MANIFEST_FILE, Layout

if TYPE_CHECKING:
    from kg.build import BuildError
    from kg.serve.settings import Settings
    from kg.store import Build
    from kg.stores.profiles import Profile


# --kind, for the commands that talk to an existing SPARQL store (kg.stores.profiles).
STORE_KIND = click.option(
    "--kind",
    type=click.Choice(["oxigraph", "virtuoso", "fuseki", "qlever", "generic"]),
    default="oxigraph",
    show_default=True,
    help="Which kind of store it is: where its endpoints are and how it bends the protocols.",
)

# -p NAME=VALUE, for the commands that run a stored query.
PARAMETERS = click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind a parameter declared in a stored query's header.",
)


def _layout(ctx: click.Context) -> Layout:
    return ctx.obj


# A generated corpus can warn thousands of times; the manifest keeps them all.
SHOWN_WARNINGS = 20


def _progress(step: str, seconds: float, detail: str) -> None:
    click.echo(f"  {step:<13} {seconds:7.2f} s  {detail}", err=True)


def _fail_build(layout: Layout, error: BuildError) -> None:
    click.echo(f"Build failed at step '{error.step}' ({len(error.problems)} problem(s)):", err=True)
    for problem in error.problems:
        click.echo(f"  {problem}", err=True)
    if layout.current.exists():
        click.echo(f"The last good build is unchanged: {layout.current.resolve()}", err=True)
    sys.exit(1)


def _open(ctx: click.Context) -> Build:
    from kg.build import BuildError, build_graph
    from kg.store import open_build

    layout = _layout(ctx)
    if not layout.current.exists():
        click.echo("No build yet; building first.", err=True)
        try:
            build_graph(layout, progress=_progress)
        except BuildError as error:
            _fail_build(layout, error)
    return open_build(layout, ensure=False)


class _Commands(click.Group):
    """The ``kg`` commands; what goes wrong outside the program is told plainly."""

    def invoke(self, ctx: click.Context) -> object:
        from kg.store import DamagedBuildError

        try:
            return super().invoke(ctx)
        except DamagedBuildError as error:
            click.echo(str(error), err=True)
            sys.exit(1)
        except OSError as error:
            if error.errno == errno.ENOSPC:
                where = f" writing {error.filename}" if error.filename else ""
                click.echo(
                    f"The disk is full{where}. Free some space and run the command again; "
                    "the last good build is unchanged.",
                    err=True,
                )
                sys.exit(1)
            if error.errno in (errno.EACCES, errno.EROFS):
                click.echo(
                    f"Cannot write {error.filename or 'a file'}: {error.strerror}.", err=True
                )
                sys.exit(1)
            raise


@click.group(cls=_Commands)
@click.option(
    "--home",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Project checkout to work on (default: this one, or $KG_HOME).",
)
@click.version_option(package_name="lgde-kg")
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """Build, check, query and export the LGDE knowledge graph."""
    ctx.obj = Layout.discover(home)


@main.command()
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.pass_context
def build(ctx: click.Context, quiet: bool) -> None:
    """Parse, check, validate, reason and write a new build; make it current."""
    from kg.build import BuildError, build_graph
    from kg.namespaces import compact

    layout = _layout(ctx)
    try:
        result = build_graph(layout, progress=None if quiet else _progress)
    except BuildError as error:
        _fail_build(layout, error)
        return
    if not quiet:
        for warning in result.warnings[:SHOWN_WARNINGS]:
            click.echo(f"  warning: {warning}", err=True)
        if len(result.warnings) > SHOWN_WARNINGS:
            more = len(result.warnings) - SHOWN_WARNINGS
            click.echo(f"  ... and {more} more warning(s), all in {MANIFEST_FILE}", err=True)
        triples = result.manifest["triples"]
        summary = ", ".join(
            f"{compact(g).split('/')[-1].rstrip('>')} {n}" for g, n in triples.items()
        )
        click.echo(f"Built {result.path} ({summary} triples)")


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "turtle"]),
    default="text",
    show_default=True,
    help="Report as text, or the SHACL report as Turtle.",
)
@click.pass_context
def validate(ctx: click.Context, fmt: str) -> None:
    """Check the sources (evidence verbatim, SHACL) without building."""
    from kg.build import BuildError, check_sources

    layout = _layout(ctx)
    try:
        checked = check_sources(layout, progress=None if fmt == "turtle" else _progress)
    except BuildError as error:
        if fmt == "turtle" and error.report is not None:
            # The SHACL report itself, for tools that read it.
            click.echo(error.report.serialize(format="turtle"))
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        click.echo(f"Not valid: {len(error.problems)} problem(s) at step '{error.step}'.", err=True)
        sys.exit(1)
    if fmt == "turtle":
        click.echo(checked.shacl.graph.serialize(format="turtle"))
        return
    for warning in checked.warnings:
        click.echo(f"  warning: {warning}")
    click.echo(
        f"Valid: evidence verbatim and no SHACL violations ({len(checked.warnings)} warning(s))."
    )


@main.command(name="add-article")
@click.argument("text_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--title", required=True, help="The article's headline, as printed.")
@click.option(
    "--date", "published", required=True, help="When it was published: YYYY-MM-DD, YYYY-MM or YYYY."
)
@click.option(
    "--publisher",
    help="An organisation of the graph: its IRI, organization:name or English label.",
)
@click.option("--url", help="Where the article was read.")
@click.option("--language", default="en", show_default=True, help="The text's language tag.")
@click.option("--translated", is_flag=True, help="The text is a translation of the original.")
@click.pass_context
def add_article(
    ctx: click.Context,
    text_file: Path,
    title: str,
    published: str,
    publisher: str | None,
    url: str | None,
    language: str,
    translated: bool,
) -> None:
    """Register TEXT_FILE as the next article: seeds/NNN_….txt and graph/article-NNN.ttl.

    Prints the new article's IRI. Refuses a text already present, an empty or
    non-UTF-8 file, and a date it cannot read; nothing is written then.
    """
    from kg.authoring.articles import ArticleError
    from kg.authoring.articles import add_article as register

    layout = _layout(ctx)
    try:
        added = register(
            layout,
            text_file,
            title=title,
            published=published,
            publisher=publisher,
            url=url,
            language=language,
            translated=translated,
        )
    except ArticleError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Wrote {added.seed.relative_to(layout.home)} and {added.turtle.relative_to(layout.home)}",
        err=True,
    )
    click.echo(added.iri)


@main.command()
@click.argument("article")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8765, show_default=True, type=int, help="0 picks a free port.")
@click.option(
    "--allow-remote", is_flag=True, help="Listen on an address beyond this machine, knowingly."
)
@click.pass_context
def curate(ctx: click.Context, article: str, host: str, port: int, allow_remote: bool) -> None:
    """Review ARTICLE's draft on a local page: its text with each suggestion's quote
    marked, the one-article check beside each fact, accept or reject."""
    from kg.authoring.curate import serve

    layout = _layout(ctx)
    number = article.rsplit(":", 1)[-1]
    if not (layout.graph_dir / f"article-{number}.ttl").exists():
        raise click.ClickException(f"no article {article!r}: give its number, e.g. 005")
    _open(ctx)  # a build to check against, made if there is none
    try:
        serve(layout, number, host, port, allow_remote)
    except ValueError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.argument("article")
@click.option("--accept", "accepted", multiple=True, metavar="IRI", help="Accept a suggestion.")
@click.option("--reject", "rejected", multiple=True, metavar="IRI", help="Reject a suggestion.")
@click.pass_context
def review(ctx: click.Context, article: str, accepted: tuple, rejected: tuple) -> None:
    """List the unreviewed suggestions of ARTICLE's draft, or accept and reject them.

    An accepted fact loses its review marks and moves above the draft; a rejected one
    is deleted, and not suggested again.
    """
    from kg.authoring.review import ReviewError, accept, digest, drafted, reject, save

    layout = _layout(ctx)
    path = layout.graph_dir / f"article-{article.rsplit(':', 1)[-1]}.ttl"
    if not path.exists():
        raise click.ClickException(f"no article {article!r}: give its number, e.g. 005")
    from kg.namespaces import expand

    try:
        for iri in accepted:
            version = digest(path.read_text(encoding="utf-8"))
            save(path, version, lambda text, iri=iri: accept(text, expand(iri)))
            click.echo(f"accepted {iri}", err=True)
        for iri in rejected:
            version = digest(path.read_text(encoding="utf-8"))
            save(path, version, lambda text, iri=iri: reject(text, expand(iri)))
            click.echo(f"rejected {iri}", err=True)
    except ReviewError as error:
        raise click.ClickException(str(error)) from None
    for fact in drafted(path.read_text(encoding="utf-8")):
        click.echo(f"{fact.iri}\t{fact.kind}")


@main.command()
@click.argument("article")
@click.pass_context
def check(ctx: click.Context, article: str) -> None:
    """Check one article's file (a number, e.g. 005) against the current build, quickly:
    evidence, SHACL on its subjects, disagreements, Data Cube cells."""
    from kg.build.article_check import check_article

    layout = _layout(ctx)
    number = article.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if not (layout.graph_dir / f"article-{number}.ttl").exists():
        raise click.ClickException(f"no article {article!r}: give its number, e.g. 005")
    result = check_article(layout, number, _open(ctx))
    for problem in result.problems:
        click.echo(f"  {problem}" if problem.severity == "error" else f"  warning: {problem}")
    errors = sum(p.severity == "error" for p in result.problems)
    click.echo(
        f"article {number}: {errors} problem(s), {len(result.problems) - errors} warning(s) "
        f"({result.seconds:.2f} s)"
    )
    if errors:
        sys.exit(1)


@main.command()
@click.argument("article")
@click.option("--json", "as_json", is_flag=True, help="Print the suggestions as JSON.")
@click.option(
    "--write",
    is_flag=True,
    help="Also write them into the article's file as unreviewed facts (lgde:suggested).",
)
@click.pass_context
def suggest(ctx: click.Context, article: str, as_json: bool, write: bool) -> None:
    """Propose the facts ARTICLE (a number, e.g. 005) states, each with its quote.

    Needs the authoring tools (pip install -e '.[authoring]'; make installs them).
    """
    try:
        from kg.authoring.articles import read_article
        from kg.authoring.gazetteer import from_build, from_graph, reference
        from kg.authoring.suggest import Suggester
    except ImportError as error:
        raise click.ClickException(
            f"kg suggest needs the authoring tools ({error.name} is missing): "
            "pip install -e '.[authoring]'"
        ) from None
    layout = _layout(ctx)
    try:
        source = read_article(layout.graph_dir, layout.seeds_dir, article)
    except (ValueError, OSError) as error:
        raise click.ClickException(str(error)) from None
    from kg.store import NoBuildError, open_build

    try:
        gazetteer = reference(from_build(open_build(layout, ensure=False)))
    except NoBuildError:
        gazetteer = reference(from_graph(layout.graph_dir))
    found = Suggester(gazetteer).suggest(source.text, source.year)
    if write:
        from kg.authoring.draft import write as write_draft

        try:
            draft = write_draft(layout, source.number, source.text, found)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        click.echo(
            f"Wrote {len(draft.written)} unreviewed fact(s) into "
            f"graph/article-{source.number}.ttl; {len(draft.skipped)} suggestion(s) left out, "
            "listed there.",
            err=True,
        )
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in found], indent=2, ensure_ascii=False))
        return
    for s in found:
        what = ", ".join(e.get("label", "") + ("" if "iri" in e else " (new)") for e in s.entities)
        amount = f" {s.value} {s.unit.rsplit('/', 1)[1]}" if s.value and s.unit else ""
        when = " ".join(f"{k}={v}" for k, v in s.when.items())
        click.echo(f"{s.start:>6} {s.kind:<12} {what}{amount} {when}".rstrip())
        if s.kind != "mention":
            click.echo(f"       “{s.quote[:110]}”")


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["turtle", "ntriples", "nquads", "trig", "jsonld", "xml"]),
    default="turtle",
    show_default=True,
)
@click.option("--no-inferred", is_flag=True, help="Leave out the inferred graph.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option(
    "--tables",
    "tables_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the tidy tables instead: one CSV per kind of fact and entity, their CSVW "
    "and Frictionless metadata and the codebook, into this folder.",
)
@click.pass_context
def export(
    ctx: click.Context, fmt: str, no_inferred: bool, output: Path | None, tables_dir: Path | None
) -> None:
    """Export the current build, sorted and stable."""
    from kg.build.export import export_store

    if tables_dir is not None:
        _export_tables(_open(ctx), tables_dir)
        return
    data = export_store(_open(ctx).store, fmt, include_inferred=not no_inferred)
    if output:
        output.write_bytes(data)
        click.echo(f"Wrote {len(data)} bytes to {output}", err=True)
    else:
        sys.stdout.buffer.write(data)


def _export_tables(build: Build, folder: Path) -> None:
    """Copy the build's tables (written by the build, so they match its data)."""
    from kg.build.tables import TABLES_DIR

    tables = build.manifest.get("tables")
    if not tables:
        raise click.ClickException(
            "this build was made before tables were part of it; run 'kg build' again"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for name in sorted(tables["sha256"]):
        shutil.copyfile(build.path / TABLES_DIR / name, folder / name)
    rows = sum(tables["rows"].values())
    click.echo(
        f"Wrote {len(tables['rows'])} tables ({rows} rows), their metadata and codebook "
        f"to {folder}",
        err=True,
    )


@main.command()
@click.argument("query")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json", "xml"]),
    default="table",
    show_default=True,
)
@PARAMETERS
@click.pass_context
def query(ctx: click.Context, query: str, fmt: str, params: tuple[str, ...]) -> None:
    """Run QUERY (SPARQL text or a .rq file) on the current build.

    The project's prefixes are predeclared; queries see all graphs as one.
    """
    text, substitutions, _ = _read_query(query, params)
    sys.stdout.buffer.write(_run_query(_open(ctx), text, substitutions, fmt))


def _read_query(query: str, params: tuple[str, ...]) -> tuple[str, dict, dict[str, str]]:
    """The text of QUERY (SPARQL, or a stored query's file), its parameters bound as RDF
    terms, and the parameters as given."""
    from kg.queries import ParameterError, parse_stored_query

    path = Path(query)
    substitutions: dict = {}
    values: dict[str, str] = {}
    if _names_a_file(query):
        if not path.is_file():
            raise click.BadParameter(f"no such file: {query}", param_hint="QUERY")
        stored = parse_stored_query(path)
        for item in params:
            name, sep, value = item.partition("=")
            if not sep:
                raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--param")
            values[name.strip()] = value
        try:
            substitutions = stored.substitutions(values)
        except ParameterError as error:
            raise click.BadParameter(str(error), param_hint="--param") from None
        return stored.text, substitutions, values
    if params:
        raise click.BadParameter("parameters need a stored query file", param_hint="--param")
    return query, substitutions, values


def _run_query(build: Build, text: str, substitutions: dict, fmt: str) -> bytes:
    from kg.results import render

    try:
        return render(build.query(text, substitutions=substitutions), fmt)
    except SyntaxError as error:
        click.echo(f"Query error: {error}", err=True)
        sys.exit(2)
    except (OSError, ValueError, RuntimeError) as error:
        click.echo(f"Query failed: {error}", err=True)
        sys.exit(1)


@main.command()
@click.argument("query")
@PARAMETERS
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The zip to write (default: <query>-replication.zip).",
)
@click.pass_context
def bundle(ctx: click.Context, query: str, params: tuple[str, ...], output: Path | None) -> None:
    """Write a replication bundle for QUERY (SPARQL text or a .rq file): the query, its
    result as CSV with CSVW metadata, the release it ran on and how to rerun it."""
    from kg.bundle import Rerun, make_bundle
    from kg.releases import release_of

    text, substitutions, values = _read_query(query, params)
    build = _open(ctx)
    csv_bytes = _run_query(build, text, substitutions, "csv")
    stored = Path(query).stem if _names_a_file(query) else None
    release = release_of(_layout(ctx).home, build.manifest)
    data = make_bundle(Rerun(text, stored, tuple(sorted(values.items()))), csv_bytes, release)
    output = output or Path(f"{stored or 'query'}-replication.zip")
    output.write_bytes(data)
    which = f"release {release.version}" if release else "an unreleased build"
    click.echo(f"Wrote {output} ({len(data)} bytes; the result of {which})", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "-s",
    "--setting",
    "settings",
    type=(str, str),
    multiple=True,
    metavar="NAME VALUE",
    help="Change a server setting (see: kg settings).",
)
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help="Answer queries with this SPARQL store, which kg publish has filled with the "
    "current build, instead of the embedded one.",
)
@STORE_KIND
@click.option(
    "--query-url",
    metavar="URL",
    help="With --store: the store's query endpoint, where it is not where --kind says.",
)
@click.option(
    "--auth",
    envvar="KG_STORE_READ_AUTH",
    metavar="USER:PASSWORD",
    help="With --store: credentials for its query endpoint, where it asks for them (Basic "
    "or Digest); a user who can only read. Or set KG_STORE_READ_AUTH.",
)
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    settings: tuple,
    store_url: str | None,
    kind: str,
    query_url: str | None,
    auth: str | None,
    files: tuple[Path, ...],
) -> None:
    """Serve the current build (and any RDF FILES beside it) over SPARQL.

    N-Quads and TriG files keep their graph names; other files become a graph named
    by the file's URI. With --store, queries are answered by that store instead.
    """
    from kg.serve.allocator import allocator_in_use, restart_with_jemalloc
    from kg.serve.settings import Settings

    try:
        chosen = Settings().with_values(dict(settings))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--setting") from None
    if not store_url:
        given = ctx.get_parameter_source("auth") == click.core.ParameterSource.COMMANDLINE
        for name, value in (("--query-url", query_url), ("--auth", auth if given else None)):
            if value:
                raise click.BadParameter("only with --store URL", param_hint=name)
    store_profile = _profile(kind, store_url, "--store or --query-url", query_url=query_url)
    if chosen.jemalloc:
        restart_with_jemalloc()  # before anything is opened; returns if it need not

    import shutil
    from functools import partial

    from kg.layout import STORE_DIR
    from kg.serve import create_app
    from kg.serve.dataset import DataFileError, serving_store
    from kg.serve.http_server import serve_app
    from kg.serve.isolation import availability

    build = _open(ctx)
    client = None
    if store_url and store_profile:
        client = _store_client(build, store_url, store_profile, auth, chosen)
    if client is not None and files:
        raise click.BadParameter("extra files are served by the embedded store only")
    try:
        store_path, temporary = serving_store(build.path, list(files))
    except DataFileError as error:
        click.echo(f"Cannot serve: {error}", err=True)
        sys.exit(1)
    make_app = partial(
        create_app,
        chosen,
        store_path=store_path,
        build_store=build.path / STORE_DIR,
        queries_dir=_layout(ctx).queries_dir,
        home=_layout(ctx).home,
        store=client,
    )
    try:
        click.echo(
            f"Serving {build.path.name} at http://{host}:{port}/sparql "
            f"({chosen.http_workers} HTTP process(es), {allocator_in_use()} allocator)",
            err=True,
        )
        if client is None:
            click.echo(_isolation_line(availability()), err=True)
        else:
            click.echo(
                f"Queries go to the {kind} store at {store_url}, which holds this build. "
                "This server refuses SERVICE and updates when it reads a query; the "
                "store's own SERVICE must be off (README: publishing to a SPARQL store).",
                err=True,
            )
        serve_app(make_app, chosen, host, port)
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)


def _profile(kind: str, url: str | None, hint: str, **endpoints: str | None) -> Profile | None:
    """The profile of the store at ``url`` (None without one); an address that is not
    HTTP is a usage error, found before anything is built or opened."""
    from kg.stores.profiles import profile

    if url is None:
        return None
    try:
        return profile(kind, url, **endpoints)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=hint) from None


def _store_client(build: Build, url: str, chosen: Profile, auth: str | None, settings: Settings):
    """A client for the store at ``url``, once it is known to hold this build."""
    from kg.releases import inputs_digest
    from kg.stores.client import StoreClient, StoreError
    from kg.stores.marker import holding

    kind = chosen.kind
    client = StoreClient(chosen, auth, timeout=settings.query_timeout + 2)
    try:
        problem = holding(client).problem(inputs_digest(build.manifest))
    except StoreError as error:
        raise click.ClickException(str(error)) from None
    if problem:
        raise click.ClickException(
            f"{problem} (the store at {url}): run kg publish --to {url} --kind {kind} first"
        )
    return client


@main.command(name="settings")
def show_settings() -> None:
    """List the server settings, their defaults and what they mean."""
    from kg.serve.isolation import availability
    from kg.serve.settings import meanings

    for name, default, meaning in meanings():
        click.echo(f"{name:<16} {default!s:<10} {meaning}")
    click.echo("")
    click.echo(_isolation_line(availability()))


def _isolation_line(reason: str) -> str:
    """What the server says about the query processes' network isolation."""
    if not reason:
        return (
            "Network isolation: on. The processes that run queries cannot open network "
            "connections (a seccomp filter), besides refusing SERVICE when they read a query."
        )
    return (
        f"Network isolation: NOT AVAILABLE here ({reason}). SERVICE is refused when a "
        "query is read, and nothing else stops a query from reaching other hosts."
    )


@main.command()
@click.option("--to", "url", help="The store's base address (http://host:port).")
@STORE_KIND
@click.option(
    "--auth",
    envvar="KG_STORE_AUTH",
    metavar="USER:PASSWORD",
    help="Credentials for writing (Basic or Digest, as the store asks); or set KG_STORE_AUTH.",
)
@click.option("--query-url", help="The query endpoint, where it is not where --kind says.")
@click.option("--update-url", help="The SPARQL Update endpoint, likewise.")
@click.option("--gsp-url", help="The Graph Store Protocol endpoint, likewise.")
@click.option("--chunk", default=50_000, show_default=True, help="Triples per upload request.")
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait per request.")
@click.option("--verify-only", is_flag=True, help="Upload nothing; read back and compare.")
@click.option(
    "--dump",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Instead of publishing, write the build and its publication marker as N-Quads "
    "to this file, for a store's own bulk loader; then kg publish --verify-only.",
)
@click.pass_context
def publish(
    ctx: click.Context,
    url: str | None,
    kind: str,
    auth: str | None,
    query_url: str | None,
    update_url: str | None,
    gsp_url: str | None,
    chunk: int,
    timeout: float,
    verify_only: bool,
    dump: Path | None,
) -> None:
    """Put the current build into an existing SPARQL store, then verify it there.

    Safe to repeat: an interrupted upload resumes, and the store serves the previous
    build until the new one is complete."""
    from kg.stores.client import StoreClient, StoreError
    from kg.stores.publish import dump as dumped
    from kg.stores.publish import publish as run

    if (url is None) == (dump is None):
        raise click.UsageError("give --to URL (a store) or --dump FILE (a file for its loader)")
    # Credentials in the environment (KG_STORE_AUTH) may stay there.
    given = ctx.get_parameter_source("auth") == click.core.ParameterSource.COMMANDLINE
    if dump is not None and (verify_only or given or query_url or update_url or gsp_url):
        raise click.UsageError("--dump writes a file and talks to no store: drop the store options")
    chosen = _profile(
        kind,
        url,
        "--to or an endpoint",
        query_url=query_url,
        update_url=update_url,
        gsp_url=gsp_url,
    )
    build = _open(ctx)
    if dump is not None:
        data = dumped(build.store, build.manifest)
        try:
            dump.write_bytes(data)
        except OSError as error:
            raise click.ClickException(f"cannot write {dump}: {error.strerror}") from None
        quads = data.count(b"\n")
        click.echo(
            f"Wrote {dump} ({quads} quads: the build and its publication marker). "
            "Load it with the store's own bulk loader, then run kg publish --to URL "
            "--verify-only.",
            err=True,
        )
        return
    assert chosen is not None
    if not verify_only and not chosen.gsp_url:
        raise click.ClickException(
            f"a {kind} store loads data by its own bulk path, not over HTTP: write the file "
            "for it (kg publish --dump lgde.nq), load it as the store's documentation says, "
            "then run kg publish --to URL --verify-only"
        )
    client = StoreClient(chosen, auth, timeout)
    try:
        done = run(
            build.store,
            build.manifest,
            client,
            chunk=chunk,
            verify_only=verify_only,
            progress=lambda line: click.echo(line, err=True),
        )
    except StoreError as error:
        raise click.ClickException(str(error)) from None
    for graph, expected in done.expected.items():
        have = done.counts.get(graph, 0)
        mark = "ok" if have == expected else "DIFFERS"
        click.echo(f"  <{graph}>: {have} triples in the store, {expected} in the build: {mark}")
    click.echo(
        f"  {done.sampled - len(done.mismatches)} of {done.sampled} sampled literals found "
        f"by value; {done.seconds['total']:.1f} s in all"
    )
    for mismatch in done.mismatches[:10]:
        click.echo(f"  mismatch: {mismatch}", err=True)
    if done.marker:
        click.echo(
            f"  the publication marker: {done.marker}, so kg serve --store would refuse "
            "it; a store loaded by its own bulk loader takes the marker from the file "
            "kg publish --dump writes",
            err=True,
        )
    if not done.verified:
        raise click.ClickException("the store does not hold what the build holds (see above)")
    click.echo(f"Published build {done.digest[:16]} to {chosen.query_url}: verified.")


@main.command()
@click.argument("version")
@click.option("--date", help="The release date, YYYY-MM-DD (default: today, UTC).")
@click.option("--notes", default="", help="What this release is, in a sentence.")
@click.option("--doi", help="The DOI the release was given (10.5281/zenodo.…), if known.")
@click.pass_context
def release(
    ctx: click.Context, version: str, date: str | None, notes: str, doi: str | None
) -> None:
    """Freeze a fresh build as release VERSION (MAJOR.MINOR.PATCH) in releases/VERSION/:
    DCAT description with checksums, tables, changelog since the previous release; and
    rewrite CITATION.cff and .zenodo.json."""
    from kg.build import BuildError
    from kg.build.release import ReleaseError, make_release
    from kg.releases import RELEASES_DIR

    layout = _layout(ctx)
    try:
        made = make_release(layout, version, date=date, notes=notes, doi=doi)
    except ReleaseError as error:
        raise click.ClickException(f"{error}; nothing was written") from None
    except BuildError as error:
        _fail_build(layout, error)
    summary = made.changes["summary"]
    totals = {k: sum(s[k] for s in summary.values()) for k in ("added", "removed", "changed")}
    since = f"since {made.release.previous}" if made.release.previous else "(first release)"
    click.echo(
        f"Released {version} in {made.folder.relative_to(layout.home)}/ {since}: "
        f"{totals['added']} added, {totals['removed']} removed, {totals['changed']} changed."
    )
    click.echo(
        f"Next: git add {RELEASES_DIR} CITATION.cff .zenodo.json && git commit && "
        f"git tag v{version}; upload {made.folder.relative_to(layout.home)}/dist/ with the "
        "repository release."
    )


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_context
def stats(ctx: click.Context, fmt: str) -> None:
    """Triples per graph, instances per class, facts per article."""
    from kg.namespaces import compact
    from kg.stats import collect

    numbers = collect(_open(ctx))
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "triples_per_graph": dict(numbers.triples_per_graph),
                    "instances_per_class": dict(numbers.instances_per_class),
                    "facts_per_article": {
                        a: {"facts": f, "only_this_article": o}
                        for a, f, o in numbers.facts_per_article
                    },
                },
                indent=2,
            )
        )
        return
    click.echo("Triples per graph")
    for name, count in numbers.triples_per_graph:
        click.echo(f"  {count:>7}  {name}")
    click.echo("Instances per class (asserted and inferred)")
    for name, count in numbers.instances_per_class:
        click.echo(f"  {count:>7}  {compact(name)}")
    click.echo("Facts per article (all / reported by this article alone)")
    for name, count, alone in numbers.facts_per_article:
        click.echo(f"  {count:>7}  {alone:>5}  {compact(name)}")


def _names_a_file(query: str) -> bool:
    """Whether QUERY is a file name rather than SPARQL text."""
    if query.endswith(".rq"):
        return True
    if "{" in query or "\n" in query:
        return False
    try:
        return Path(query).is_file()
    except OSError:  # a name too long to be a file, for one
        return False
