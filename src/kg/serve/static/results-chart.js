// The chart panel of the query page: column pickers and one Chart.js chart.
"use strict";
(function (global) {
  const R = global.LgdeResults;

  function fill(select, names, chosen, none) {
    select.replaceChildren();
    if (none) select.append(new Option("(none)", ""));
    for (const name of names) select.append(new Option(`?${name}`, name));
    select.value = chosen ?? "";
  }

  /**
   * A chart over `elements.canvas`, drawn from the pickers `elements.type`, `.x`, `.y` and
   * `.series`, and redrawn when one changes. `nameOf(term)` is the text shown for a term.
   */
  function create(elements, nameOf) {
    let chart = null;
    let result = null;

    /** Offer `shown`'s columns in the pickers, set as `plan` suggests. */
    function setUp(shown, plan) {
      result = shown;
      const kinds = R.columnKinds(result.vars, result.bindings);
      elements.type.value = plan.type;
      fill(elements.x, result.vars, plan.x, false);
      fill(elements.y, result.vars.filter((v) => kinds[v] === "numeric"), plan.y, false);
      fill(elements.series, result.vars.filter((v) => kinds[v] !== "numeric"), plan.series, true);
    }

    function draw() {
      const plan = {
        type: elements.type.value,
        x: elements.x.value,
        y: elements.y.value,
        series: elements.series.value || null,
      };
      const drawn = R.chartData(result.bindings, plan, nameOf);
      if (chart) chart.destroy();
      chart = new Chart(elements.canvas, {
        type: plan.type,
        data: { labels: drawn.labels, datasets: drawn.datasets },
        options: {
          animation: false,
          maintainAspectRatio: false,
          spanGaps: true,
          plugins: { legend: { display: drawn.datasets.length > 1 } },
          scales: {
            x: { title: { display: true, text: `?${plan.x}` } },
            y: { beginAtZero: plan.type === "bar", title: { display: true, text: `?${plan.y}` } },
          },
        },
      });
      // Read by the browser tests: what was drawn, without reading pixels.
      elements.view.dataset.points = String(drawn.labels.length);
      elements.view.dataset.series = String(drawn.datasets.length);
    }

    for (const picker of [elements.type, elements.x, elements.y, elements.series]) {
      picker.addEventListener("change", draw);
    }
    return { setUp, draw };
  }

  global.LgdeChart = { create };
})(window);
