// The query page: editor, examples, running a query, and showing its result.
"use strict";
(function () {
  const R = window.LgdeResults;
  const data = JSON.parse(document.getElementById("page-data").textContent);
  const $ = (id) => document.getElementById(id);
  const examples = new Map(data.examples.map((e) => [e.name, e]));
  // SELECT and ASK answer in SPARQL JSON; CONSTRUCT and DESCRIBE in N-Triples.
  const ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9";
  const PAGE_SIZE = 100;
  const LABELLED = [
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "https://schema.org/name",
  ];

  let example = null; // the stored query whose unedited text is in the editor
  let settingText = false;
  let result = null; // {vars, bindings, kind}
  let labels = new Map();
  let page = 0;
  let running = null;
  let errorLine = null;

  const editor = LgdeEditor.create($("query"), data, () => run());

  editor.on("change", () => {
    clearErrorLine();
    if (!settingText && example) useExample(null);
  });

  function setText(text) {
    settingText = true;
    editor.setValue(text);
    settingText = false;
  }

  function clearErrorLine() {
    if (errorLine !== null) editor.removeLineClass(errorLine, "background", "error-line");
    errorLine = null;
  }

  // ---------------------------------------------------------------- examples

  function useExample(chosen, values = {}) {
    example = chosen;
    $("examples").value = chosen ? chosen.name : "";
    $("example-info").hidden = !chosen;
    const fields = $("parameter-fields");
    fields.replaceChildren();
    $("parameters").hidden = !chosen || chosen.parameters.length === 0;
    if (!chosen) return;
    $("example-description").textContent = chosen.description;
    $("example-api").href = `${data.api}${encodeURIComponent(chosen.name)}`;
    for (const p of chosen.parameters) {
      const label = document.createElement("label");
      label.className = "parameter";
      const name = document.createElement("code");
      name.textContent = p.name;
      const input = document.createElement("input");
      input.name = p.name;
      input.dataset.parameter = p.name;
      input.value = values[p.name] ?? "";
      input.placeholder = p.default ?? `any (${p.type})`;
      const note = document.createElement("span");
      note.className = "note";
      note.textContent = `${p.type}${p.default ? `, default ${p.default}` : ""} — ${p.description}`;
      label.append(name, input, note);
      fields.append(label);
    }
  }

  function parameterValues() {
    const values = new URLSearchParams();
    for (const input of document.querySelectorAll("[data-parameter]")) {
      if (input.value.trim() !== "") values.set(input.dataset.parameter, input.value.trim());
    }
    return values;
  }

  $("examples").addEventListener("change", () => {
    const chosen = examples.get($("examples").value) ?? null;
    if (chosen) {
      setText(chosen.text);
      useExample(chosen);
    } else {
      useExample(null);
    }
  });

  // ---------------------------------------------------------------- links

  /** The URL that reopens (and reruns) what is in the editor. */
  function shareUrl() {
    const url = new URL(`${data.root}/query`, location.href);
    if (example) {
      url.searchParams.set("example", example.name);
      for (const [name, value] of parameterValues()) url.searchParams.set(name, value);
    } else {
      url.searchParams.set("query", editor.getValue());
    }
    return url.toString();
  }

  function downloadLinks(kind) {
    const formats =
      kind === "graph"
        ? [["Turtle", "turtle", "ttl"], ["N-Triples", "ntriples", "nt"], ["JSON-LD", "jsonld", "jsonld"]]
        : [
            ["CSV", "csv", "csv"],
            ["CSV with labels", "csv", "csv", true],
            ["TSV", "tsv", "tsv"],
            ["JSON", "json", "json"],
          ];
    const box = $("downloads");
    box.replaceChildren("Download: ");
    for (const [label, format, extension, labels] of formats) {
      const link = document.createElement("a");
      link.textContent = label;
      // With labels: a label column beside each IRI column, for spreadsheets and R.
      const extra = labels ? { labels: "on" } : {};
      const named = labels ? "-labelled" : "";
      if (example) {
        const query = parameterValues();
        query.set("format", format);
        if (labels) query.set("labels", "on");
        link.href = `${data.api}${encodeURIComponent(example.name)}?${query}`;
        link.download = `${example.name}${named}.${extension}`;
      } else {
        const query = new URLSearchParams({ query: editor.getValue(), format, ...extra });
        link.href = `${data.endpoint}?${query}`;
        link.download = `query-results${named}.${extension}`;
      }
      if (labels) link.id = "download-labelled";
      box.append(link, " ");
    }
  }

  /** The citation, a permalink pinned to the release served, and the bundle's link. */
  function citeResult(kind) {
    const permalink = new URL(shareUrl());
    if (data.release) permalink.searchParams.set("release", data.release.version);
    $("permalink").href = permalink.toString();
    $("permalink").textContent = permalink.toString();
    const day = new Date().toISOString().slice(0, 10);
    const query = `Query: ${permalink} (retrieved ${day}).`;
    if (data.release) {
      $("citation").textContent = `${data.release.citation}. ${query}`;
    } else {
      const latest = data.latestRelease ? ` (the latest release is ${data.latestRelease})` : "";
      $("citation").textContent =
        `This server serves a build that is not a release${latest}: its results may change. ` +
        `Cite a release where you can. ${query}`;
    }
    const bundle = $("bundle");
    bundle.hidden = kind !== "select";
    if (example) {
      const parameters = parameterValues();
      parameters.set("example", example.name);
      bundle.href = `${data.root}/bundle?${parameters}`;
      bundle.download = `${example.name}-replication.zip`;
    } else {
      bundle.href = `${data.root}/bundle?${new URLSearchParams({ query: editor.getValue() })}`;
      bundle.download = "query-replication.zip";
    }
  }

  /** Where a result's IRI leads: the project's own IRIs to their pages on this server. */
  function href(iri) {
    if (data.linked.some((base) => iri.startsWith(base))) {
      return `${data.root}/${iri.slice(data.base.length)}`;
    }
    return iri;
  }

  $("share").addEventListener("click", async () => {
    const url = shareUrl();
    const field = $("share-link");
    field.value = url;
    field.hidden = false;
    field.select();
    try {
      await navigator.clipboard.writeText(url);
      $("share-status").textContent = "Link copied.";
    } catch {
      $("share-status").textContent = "Copy the link above.";
    }
  });

  // ---------------------------------------------------------------- running

  function showError(message) {
    $("results").hidden = false;
    $("outcome").hidden = true;
    const box = $("error");
    box.hidden = false;
    box.textContent = message;
    const at = /line (\d+), column (\d+)/.exec(message);
    if (at && !example) {
      errorLine = Number(at[1]) - 1;
      editor.addLineClass(errorLine, "background", "error-line");
    }
  }

  async function fetchLabels(iris) {
    const usable = iris.filter((iri) => !/[\s<>"{}|\\^`]/.test(iri)).slice(0, 5000);
    if (usable.length === 0) return new Map();
    const query = `SELECT ?s ?label WHERE {
  VALUES ?s { ${usable.map((iri) => `<${iri}>`).join(" ")} }
  VALUES (?p ?rank) { ${LABELLED.map((p, i) => `(<${p}> ${i})`).join(" ")} }
  ?s ?p ?label .
  BIND(IF(LANGMATCHES(LANG(?label), "en"), 0, IF(LANG(?label) = "", 1, 2)) AS ?language)
} ORDER BY ?s ?rank ?language`;
    const response = await fetch(data.endpoint, {
      method: "POST",
      headers: { Accept: "application/sparql-results+json" },
      body: new URLSearchParams({ query }),
    });
    if (!response.ok) return new Map();
    const found = new Map();
    for (const row of (await response.json()).results.bindings) {
      if (!found.has(row.s.value)) found.set(row.s.value, row.label.value);
    }
    return found;
  }

  async function run() {
    if (running) running.abort();
    const controller = new AbortController();
    running = controller;
    clearErrorLine();
    history.replaceState(null, "", shareUrl());
    $("run").disabled = true;
    $("status").textContent = "Running…";
    let url;
    let init = { headers: { Accept: ACCEPT }, signal: controller.signal };
    if (example) {
      const query = parameterValues();
      url = `${data.api}${encodeURIComponent(example.name)}${query.size ? `?${query}` : ""}`;
    } else {
      url = data.endpoint;
      init = { ...init, method: "POST", body: new URLSearchParams({ query: editor.getValue() }) };
    }
    const started = performance.now();
    try {
      const response = await fetch(url, init);
      const type = response.headers.get("Content-Type") ?? "";
      if (!response.ok) {
        let message = `${response.status} ${response.statusText}`;
        try {
          message = `${response.status} ${(await response.json()).message}`;
        } catch {
          // not our JSON error shape; the status line says enough
        }
        showError(message);
        return;
      }
      let answer;
      let kind;
      if (type.includes("n-triples")) {
        answer = R.parseNTriples(await response.text());
        kind = "graph";
      } else {
        answer = await response.json();
        kind = "boolean" in answer ? "ask" : "select";
      }
      const bindings = answer.results?.bindings ?? [];
      const iris = new Set();
      for (const row of bindings) {
        for (const term of Object.values(row)) if (term.type === "uri") iris.add(term.value);
      }
      labels = await fetchLabels([...iris]).catch(() => new Map());
      if (controller !== running) return;
      result = { vars: answer.head?.vars ?? [], bindings, kind, boolean: answer.boolean };
      show(response.headers, performance.now() - started);
    } catch (error) {
      if (error.name !== "AbortError") showError(`The server could not be reached: ${error.message}`);
    } finally {
      if (controller === running) {
        $("run").disabled = false;
        running = null;
      }
    }
  }

  function show(headers, milliseconds) {
    $("results").hidden = false;
    $("error").hidden = true;
    $("outcome").hidden = false;
    const serverTiming = headers.get("Server-Timing") ?? "";
    const engine = /engine;dur=([\d.]+)/.exec(serverTiming);
    let timing = engine ? `${Number(engine[1]).toFixed(1)} ms in the engine, ` : "";
    if (serverTiming.includes("cache;desc=hit")) timing = "answered from the cache, ";
    let status;
    if (result.kind === "ask") status = `The answer is ${result.boolean ? "yes" : "no"} (${result.boolean}).`;
    else {
      const noun = result.kind === "graph" ? "triple" : "result";
      const n = result.bindings.length;
      status = `${n} ${noun}${n === 1 ? "" : "s"}`;
    }
    status += ` · ${timing}${Math.round(milliseconds)} ms in all.`;
    if (headers.get("X-Result-Truncated") === "true") {
      const limit = headers.get("X-Result-Limit");
      status += ` Only the first ${limit} are shown: that is this endpoint's limit. Use LIMIT and OFFSET to page through the rest.`;
    }
    $("status").textContent = status;
    downloadLinks(result.kind);
    citeResult(result.kind);
    page = 0;
    renderTable();
    const plan = result.kind === "select" ? R.chartPlan(result.vars, result.bindings) : null;
    $("tab-chart").disabled = plan === null;
    if (plan) chartPanel.setUp(result, plan);
    selectTab(plan ? currentTab() : "table");
  }

  // ---------------------------------------------------------------- table

  function termNode(term) {
    if (term.type === "uri") {
      const link = document.createElement("a");
      link.href = href(term.value);
      link.title = term.value;
      link.dataset.iri = term.value;
      const name = R.compact(term.value, data.prefixes);
      const label = labels.get(term.value);
      link.textContent = label ?? name;
      if (!label) return link;
      const iri = document.createElement("span");
      iri.className = "iri";
      iri.textContent = name;
      const both = document.createElement("span");
      both.append(link, " ", iri);
      return both;
    }
    if (term.type === "bnode") return document.createTextNode(`_:${term.value}`);
    const span = document.createElement("span");
    span.className = "literal";
    span.textContent = term.value;
    const note = term["xml:lang"]
      ? `@${term["xml:lang"]}`
      : term.datatype && !term.datatype.endsWith("#string")
        ? R.compact(term.datatype, data.prefixes)
        : null;
    if (note) {
      const small = document.createElement("span");
      small.className = term["xml:lang"] ? "lang" : "type";
      small.textContent = ` ${note}`;
      span.append(small);
    }
    return span;
  }

  function renderTable() {
    const view = $("table-view");
    view.replaceChildren();
    if (result.kind === "ask") return;
    const table = document.createElement("table");
    table.className = "results";
    const head = table.createTHead().insertRow();
    for (const name of result.vars) {
      const th = document.createElement("th");
      th.textContent = `?${name}`;
      head.append(th);
    }
    const body = table.createTBody();
    const first = page * PAGE_SIZE;
    for (const row of result.bindings.slice(first, first + PAGE_SIZE)) {
      const tr = body.insertRow();
      for (const name of result.vars) {
        const td = tr.insertCell();
        if (row[name]) td.append(termNode(row[name]));
      }
    }
    view.append(table);
    const pages = Math.ceil(result.bindings.length / PAGE_SIZE);
    if (pages > 1) view.append(pager(pages));
  }

  function pager(pages) {
    const nav = document.createElement("nav");
    nav.className = "pager";
    const button = (text, target, disabled) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      b.disabled = disabled;
      b.addEventListener("click", () => {
        page = target;
        renderTable();
      });
      return b;
    };
    const shown = `Rows ${page * PAGE_SIZE + 1}–${Math.min((page + 1) * PAGE_SIZE, result.bindings.length)} of ${result.bindings.length}`;
    nav.append(button("Previous", page - 1, page === 0), ` ${shown} `, button("Next", page + 1, page >= pages - 1));
    return nav;
  }

  // ---------------------------------------------------------------- chart

  function termName(term) {
    if (term.type === "uri") return labels.get(term.value) ?? R.compact(term.value, data.prefixes);
    return term.value;
  }

  const chartPanel = LgdeChart.create(
    {
      type: $("chart-type"),
      x: $("chart-x"),
      y: $("chart-y"),
      series: $("chart-series"),
      canvas: $("chart"),
      view: $("chart-view"),
    },
    termName
  );

  function currentTab() {
    return $("tab-chart").getAttribute("aria-selected") === "true" ? "chart" : "table";
  }

  function selectTab(name) {
    const chartShown = name === "chart" && !$("tab-chart").disabled;
    $("tab-table").setAttribute("aria-selected", String(!chartShown));
    $("tab-chart").setAttribute("aria-selected", String(chartShown));
    $("table-view").hidden = chartShown;
    $("chart-view").hidden = !chartShown;
    if (chartShown) chartPanel.draw();
  }

  $("tab-table").addEventListener("click", () => selectTab("table"));
  $("tab-chart").addEventListener("click", () => selectTab("chart"));

  // ---------------------------------------------------------------- start

  $("query-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });

  if (data.example && examples.has(data.example)) {
    setText(examples.get(data.example).text);
    useExample(examples.get(data.example), data.arguments);
  }
  if (data.run) run();
})();
