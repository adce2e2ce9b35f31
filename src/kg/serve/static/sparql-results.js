// Pure helpers of the query page: reading results, naming terms, planning a chart.
// They touch no page state, so the browser tests call them directly as well.
"use strict";
(function (global) {
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(
    [
      "integer", "decimal", "double", "float", "int", "long", "short", "byte",
      "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
      "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    ].map((name) => XSD + name)
  );
  // Ordered in time, so a chart over them is a line.
  const TEMPORAL = new Set(["gYear", "gYearMonth", "date", "dateTime"].map((n) => XSD + n));
  // Most distinct values a column may have to split a chart into series.
  const MAX_SERIES = 12;

  /** The shortest prefixed name of `iri` with one of `prefixes`, or `<iri>`. */
  function compact(iri, prefixes) {
    let best = null;
    for (const [prefix, namespace] of Object.entries(prefixes)) {
      if (iri.startsWith(namespace) && (best === null || namespace.length > best[1].length)) {
        best = [prefix, namespace];
      }
    }
    if (best === null) return `<${iri}>`;
    const local = iri.slice(best[1].length);
    return /^[\w\-.]*$/u.test(local) ? `${best[0]}:${local}` : `<${iri}>`;
  }

  function unescape(text) {
    return text.replace(/\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))/g, (_, u4, u8, c) => {
      if (u4 || u8) return String.fromCodePoint(parseInt(u4 || u8, 16));
      return { t: "\t", n: "\n", r: "\r", b: "\b", f: "\f" }[c] ?? c;
    });
  }

  // One N-Triples term at `at`: [term, position after it]. Throws on anything else.
  function readTerm(line, at) {
    if (line[at] === "<") {
      const end = line.indexOf(">", at);
      if (end < 0) throw new Error("unterminated IRI");
      return [{ type: "uri", value: unescape(line.slice(at + 1, end)) }, end + 1];
    }
    if (line.startsWith("_:", at)) {
      const match = /^_:(\S+)/.exec(line.slice(at));
      return [{ type: "bnode", value: match[1] }, at + match[0].length];
    }
    if (line[at] === '"') {
      let end = at + 1;
      while (end < line.length && line[end] !== '"') end += line[end] === "\\" ? 2 : 1;
      if (end >= line.length) throw new Error("unterminated literal");
      const term = { type: "literal", value: unescape(line.slice(at + 1, end)) };
      let next = end + 1;
      const lang = /^@([A-Za-z]+(?:-[A-Za-z0-9]+)*)/.exec(line.slice(next));
      if (lang) {
        term["xml:lang"] = lang[1];
        next += lang[0].length;
      } else if (line.startsWith("^^<", next)) {
        const close = line.indexOf(">", next);
        term.datatype = unescape(line.slice(next + 3, close));
        next = close + 1;
      }
      return [term, next];
    }
    throw new Error(`unexpected ${JSON.stringify(line.slice(at, at + 10))}`);
  }

  /** N-Triples as SPARQL JSON results with the columns subject, predicate and object. */
  function parseNTriples(text) {
    const bindings = [];
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      const row = {};
      let at = 0;
      for (const name of ["subject", "predicate", "object"]) {
        while (line[at] === " " || line[at] === "\t") at += 1;
        [row[name], at] = readTerm(line, at);
      }
      bindings.push(row);
    }
    return { head: { vars: ["subject", "predicate", "object"] }, results: { bindings } };
  }

  const isNumeric = (term) => term?.type === "literal" && NUMERIC.has(term.datatype);
  const isTemporal = (term) => term?.type === "literal" && TEMPORAL.has(term.datatype);

  /** For each column: "numeric", "temporal", "other", or "empty" when nothing is bound. */
  function columnKinds(vars, bindings) {
    const kinds = {};
    for (const name of vars) {
      const values = bindings.map((row) => row[name]).filter(Boolean);
      if (values.length === 0) kinds[name] = "empty";
      else if (values.every(isNumeric)) kinds[name] = "numeric";
      else if (values.every(isTemporal)) kinds[name] = "temporal";
      else kinds[name] = "other";
    }
    return kinds;
  }

  function distinct(bindings, name) {
    return new Set(bindings.map((row) => row[name]?.value)).size;
  }

  /**
   * The chart a result suggests, or null when it has no column of numbers:
   * a line over the first column of dates or years, else bars over the first other column.
   */
  function chartPlan(vars, bindings) {
    const kinds = columnKinds(vars, bindings);
    const numeric = vars.filter((v) => kinds[v] === "numeric");
    if (numeric.length === 0) return null;
    const temporal = vars.find((v) => kinds[v] === "temporal");
    const others = vars.filter((v) => kinds[v] === "other");
    if (temporal) {
      // Split into series by a column that repeats enough to draw lines, not lone points.
      const series =
        others.find((v) => {
          const n = distinct(bindings, v);
          return n > 1 && n <= MAX_SERIES && bindings.length >= 2 * n;
        }) ?? null;
      return { type: "line", x: temporal, y: numeric[0], series };
    }
    const x = others[0] ?? vars.find((v) => v !== numeric[0]) ?? numeric[0];
    return { type: "bar", x, y: numeric[0], series: null };
  }

  function compareValues(a, b) {
    const [x, y] = [Number(a), Number(b)];
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /**
   * Chart.js data for `plan` ({type, x, y, series}). `name(term)` gives the text shown for
   * a term. Values of rows that share a category and a series are added up; `merged`
   * counts such rows so the page can say so.
   */
  function chartData(bindings, plan, name) {
    const rows = bindings.filter((row) => row[plan.x] && isNumeric(row[plan.y]));
    const key = (term) => (term ? `${term.type}:${term.value}` : "");
    const categories = new Map();
    const series = new Map();
    const sums = new Map();
    let merged = 0;
    for (const row of rows) {
      const category = key(row[plan.x]);
      const group = plan.series ? key(row[plan.series]) : "";
      if (!categories.has(category)) categories.set(category, row[plan.x]);
      if (!series.has(group)) series.set(group, plan.series ? row[plan.series] : null);
      const cell = `${category}\u0000${group}`;
      if (sums.has(cell)) merged += 1;
      sums.set(cell, (sums.get(cell) ?? 0) + Number(row[plan.y].value));
    }
    let order = [...categories.keys()];
    const ordered = plan.type === "line" || isTemporal(rows[0]?.[plan.x]) || isNumeric(rows[0]?.[plan.x]);
    if (ordered) {
      order = order.sort((a, b) => compareValues(categories.get(a).value, categories.get(b).value));
    }
    const datasets = [...series.entries()].map(([group, term]) => ({
      label: term ? name(term) : plan.y,
      data: order.map((category) => sums.get(`${category}\u0000${group}`) ?? null),
    }));
    return { labels: order.map((category) => name(categories.get(category))), datasets, merged };
  }

  global.LgdeResults = { compact, parseNTriples, columnKinds, chartPlan, chartData, isNumeric };
})(window);
