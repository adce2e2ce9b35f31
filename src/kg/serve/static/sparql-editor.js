// The SPARQL editor: CodeMirror with completion of prefixes and the ontology's terms, and
// PREFIX declarations added as a known prefix is typed.
"use strict";
(function (global) {
  /**
   * A CodeMirror editor in place of `textarea`. `data.prefixes` maps prefix to namespace;
   * `data.terms` lists {name, label, kind} for completion; `run` is called on Ctrl+Enter.
   */
  function create(textarea, data, run) {
    function wordBeforeCursor(cm) {
      const cursor = cm.getCursor();
      const line = cm.getLine(cursor.line);
      let start = cursor.ch;
      while (start > 0 && /[\w\-.:]/u.test(line[start - 1])) start -= 1;
      return { word: line.slice(start, cursor.ch), start, cursor, line };
    }

    function isDeclared(cm, prefix) {
      const escaped = prefix.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
      return new RegExp(`^\\s*PREFIX\\s+${escaped}:`, "im").test(cm.getValue());
    }

    // Add `PREFIX p: <...>` after the prologue's last declaration, so the query also runs
    // on endpoints that do not predeclare the project's prefixes.
    function declare(cm, prefix) {
      if (!(prefix in data.prefixes) || isDeclared(cm, prefix)) return;
      let at = 0;
      for (let i = 0; i < cm.lineCount(); i += 1) {
        const line = cm.getLine(i);
        if (/^\s*(PREFIX|BASE)\b/i.test(line)) at = i + 1;
        else if (/^\s*(SELECT|CONSTRUCT|ASK|DESCRIBE)\b/i.test(line)) break;
      }
      cm.replaceRange(`PREFIX ${prefix}: <${data.prefixes[prefix]}>\n`, CodeMirror.Pos(at, 0));
    }

    function pickAndDeclare(cm, self, item) {
      cm.replaceRange(item.text, self.from, self.to, "complete");
      declare(cm, item.text.split(":")[0]);
    }

    function completions(cm) {
      const { word, start, cursor, line } = wordBeforeCursor(cm);
      const range = { from: CodeMirror.Pos(cursor.line, start), to: cursor };
      if (/^\s*PREFIX\s+$/i.test(line.slice(0, start))) {
        const stem = word.replace(/:.*/, "");
        const list = Object.entries(data.prefixes)
          .filter(([prefix]) => prefix.startsWith(stem))
          .map(([prefix, iri]) => `${prefix}: <${iri}>`);
        return { list, ...range };
      }
      const colon = word.indexOf(":");
      if (colon >= 0) {
        const prefix = word.slice(0, colon);
        const local = word.slice(colon + 1).toLowerCase();
        const terms = data.terms.filter((t) => t.name.startsWith(`${prefix}:`));
        const local_ = (t) => t.name.slice(prefix.length + 1).toLowerCase();
        const starting = terms.filter((t) => local_(t).startsWith(local));
        const containing = terms.filter((t) => !local_(t).startsWith(local) && local_(t).includes(local));
        const list = [...starting, ...containing].map((t) => ({
          text: t.name,
          displayText: `${t.name} — ${t.label} (${t.kind})`,
          hint: pickAndDeclare,
        }));
        return { list, ...range };
      }
      const list = Object.entries(data.prefixes)
        .filter(([prefix]) => prefix.startsWith(word))
        .map(([prefix, iri]) => ({ text: `${prefix}:`, displayText: `${prefix}: <${iri}>`, hint: pickAndDeclare }));
      return { list, ...range };
    }

    function complete(cm) {
      cm.showHint({ hint: completions, completeSingle: false });
    }

    const editor = CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query",
      lineNumbers: true,
      matchBrackets: true,
      indentUnit: 2,
      extraKeys: {
        "Ctrl-Enter": () => run(),
        "Cmd-Enter": () => run(),
        "Ctrl-Space": complete,
      },
    });

    editor.on("inputRead", (cm, change) => {
      if (change.text.join("") !== ":") return;
      const token = cm.getTokenAt(cm.getCursor());
      if (/string|comment|variable-3/.test(token.type ?? "")) return; // inside text or an IRI
      const { word, line } = wordBeforeCursor(cm);
      if (/^\s*PREFIX\b/i.test(line)) return;
      const prefix = word.slice(0, -1);
      if (!/^[A-Za-z][\w\-.]*$/u.test(prefix)) return;
      declare(cm, prefix);
      if (data.terms.some((t) => t.name.startsWith(`${prefix}:`))) complete(cm);
    });
    return editor;
  }

  global.LgdeEditor = { create };
})(window);
