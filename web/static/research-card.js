// One chart of the research page: its heading and question, its filters, the ECharts chart, its
// downloads (PNG and SVG of the chart, drawn again for the file; CSV and XLSX of its data from
// the public reports with the same filters) and its figures as a table (for screen readers and
// for copying into a spreadsheet). Everything a person reads is built with t(), so a language
// switch builds the card again from the figures it holds.

import { reportParams, reportUrl } from "./research-api.js";
import { current, enumLabel, enumValues, formatValue, t } from "./research-i18n.js";

const COLOURS = ["#b71c1c", "#f9a825", "#1565c0", "#2e7d32", "#6a1b9a", "#00838f"];
const GROUP_BY = [["TOWN", "By town"], ["CATEGORY", "By category"], ["MONTH", "By month"]];
const TOP = ["10", "15", "20", "50"];
const LABEL_HEADERS = {
  composition: () => "Zone", gaps: () => "Gap", bridging: () => "Organisation", escalation: () => "Level",
  resolution: (f) => ({ TOWN: "Town", CATEGORY: "Category", MONTH: "Month" })[f.groupBy],
  visits: (f) => (f.by === "TEAM" ? "Stationed team" : "Community"),
  matching: (f) => (f.by === "TOWN" ? "Town" : "Category"),
};

function element(tag, attributes = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") el.textContent = value;
    else if (name === "className") el.className = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  el.append(...children.filter((c) => c !== null && c !== undefined));
  return el;
}

function save(href, filename) {
  const link = element("a", { href, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
}

export class Card {
  // spec: a chart of research-charts.js or research-work.js; names: { node(n), town(uid, name), towns }
  constructor(spec, names) {
    this.spec = spec;
    this.names = names;
    this.filters = { town: "", category: "", from: "", to: "", ...(spec.defaults || {}) };
    this.rows = [];
    this.chart = null;
    this.el = element("section", { className: "card", id: `chart-${spec.id}`, "data-chart": spec.id });
    this.el.addEventListener("change", (event) => {
      const control = event.target.closest("[name]");
      if (!control) return;
      this.filters[control.name] = control.value;
      this.refresh();
    });
  }

  // Loads the figures for the current filters, then draws them.
  async refresh() {
    this.el.dataset.state = "loading";
    this.loading = (this.loading || 0) + 1;
    const ticket = this.loading;
    try {
      const rows = await this.spec.load(this.filters);
      if (ticket !== this.loading) return;  // a later filter change has answered or will
      this.rows = rows;
      this.error = null;
    } catch (error) {
      if (ticket !== this.loading) return;
      this.rows = [];
      this.error = error.message;
    }
    this.build();
    this.el.dataset.state = this.error ? "error" : "ready";
  }

  // The whole card, in the page's language, from the figures it holds.
  build() {
    const { spec } = this;
    if (this.chart) { this.chart.dispose(); this.chart = null; }
    const title = t(spec.title);
    const chartBox = element("div", { className: "chart", role: "img", "aria-label": title });
    const note = spec.note ? spec.note(this.rows) : "";
    this.el.replaceChildren(
      element("header", {}, element("h2", { text: title }), element("p", { className: "question", text: t(spec.question) })),
      this.filterForm(),
      element("p", { className: "message", role: "alert", hidden: !this.error,
        text: this.error ? t("This chart could not be loaded: {error}", { error: this.error }) : "" }),
      element("p", { className: "empty", hidden: Boolean(this.error || this.rows.length), text: t("No figures for these filters.") }),
      element("div", { className: "body" },
        element("div", { className: "figure" }, chartBox,
          note ? element("p", { className: "note", text: note }) : null, this.downloads()),
        element("div", { className: "table-box" }, this.table())),
    );
    const height = spec.horizontal ? Math.max(260, this.rows.length * 26 + 90) : 360;
    chartBox.style.height = `${height}px`;
    this.chart = echarts.init(chartBox, null, { locale: current.lang === "en" ? "EN" : "ZH", renderer: "canvas" });
    this.chart.setOption(this.option(false));
  }

  filterForm() {
    const form = element("form", { className: "filters", "aria-label": t("Filters") });
    form.addEventListener("submit", (event) => event.preventDefault());
    const select = (name, label, choices) => element("label", {}, element("span", { text: label }),
      element("select", { name }, ...choices.map(([value, text]) =>
        element("option", { value, selected: this.filters[name] === value, text }))));
    const input = (name, label, attributes) => element("label", {}, element("span", { text: label }),
      element("input", { name, value: this.filters[name] ?? "", ...attributes }));
    for (const name of this.spec.filters) {
      if (name === "town") {
        form.append(select("town", t("Town"), [["", t("All towns")],
          ...this.names.towns.map((town) => [town.uid, this.names.node(town)])]));
      } else if (name === "category") {
        form.append(select("category", t("Category"), [["", t("All categories")],
          ...enumValues("DemandCategory").map((v) => [v, enumLabel("DemandCategory", v)])]));
      } else if (name === "groupBy") {
        form.append(select("groupBy", t("Group by"), GROUP_BY.map(([v, msgid]) => [v, t(msgid)])));
      } else if (name === "by") {
        form.append(select("by", t("Show"), this.spec.byChoices.map(([v, msgid]) => [v, t(msgid)])));
      } else if (name === "first") {
        form.append(select("first", t("Top"), TOP.map((n) => [n, t("First {count}", { count: n })])));
      } else if (name === "from" || name === "to") {
        form.append(input(name, t(name === "from" ? "From" : "To"), { type: "date" }));
      } else if (name === "threshold") {
        form.append(input("threshold", t("Score threshold"), { type: "number", min: "0", max: "1", step: "0.05" }));
      }
    }
    if (!this.spec.filters.length) form.append(element("span", { className: "hint", text: t("This query takes no filters.") }));
    return form;
  }

  labels() {
    return this.rows.map((row) => this.spec.label(row, this.names, this.filters));
  }

  // The ECharts option; a file's (PNG, SVG) carries the chart's title as well.
  option(forFile) {
    const { spec } = this;
    const series = spec.series(this.filters);
    const valueAxes = spec.axes.map((axis, index) => ({
      type: "value", name: axis.name ? t(axis.name) : "", min: 0, splitLine: { show: index === 0 },
      axisLabel: axis.kind === "rate" ? { formatter: (v) => `${Math.round(v * 100)}%` } : {},
    }));
    const labels = this.labels();
    const many = labels.length > 6;
    const categoryAxis = { type: "category", data: labels, inverse: Boolean(spec.horizontal),
      axisLabel: spec.horizontal ? { width: 220, overflow: "truncate" }
        : { interval: 0, rotate: many ? 35 : 0, width: many ? 120 : 160, overflow: "truncate" } };
    return {
      animation: false,
      color: COLOURS,
      backgroundColor: "#ffffff",
      title: forFile ? { text: t(spec.title), left: "center", top: 6, textStyle: { fontSize: 15, lineHeight: 20 } }
        : undefined,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: forFile ? 40 : 0, data: series.map((s) => t(s.name)) },
      grid: { left: many && !spec.horizontal ? 56 : 16, right: 24, top: forFile ? 90 : 44, bottom: 12, containLabel: true },
      xAxis: spec.horizontal ? valueAxes[0] : categoryAxis,
      yAxis: spec.horizontal ? categoryAxis : valueAxes,
      series: series.map((s) => ({
        name: t(s.name), type: s.type || "bar", stack: s.stack, yAxisIndex: spec.horizontal ? undefined : s.axis || 0,
        barMaxWidth: 36, smooth: false, symbolSize: 7,
        data: this.rows.map((row) => row[s.key] ?? null),
        tooltip: spec.axes[s.axis || 0].kind === "rate"
          ? { valueFormatter: (v) => formatValue(v, "rate") } : undefined,
      })),
    };
  }

  downloads() {
    const params = { ...(this.spec.fixed || {}), ...reportParams(this.filters, this.spec.reportFilters || this.spec.filters) };
    const box = element("div", { className: "downloads", role: "group", "aria-label": t("Downloads") },
      element("span", { text: t("Download the chart") }),
      element("button", { type: "button", className: "format", "data-download": "png", text: "PNG" }),
      element("button", { type: "button", className: "format", "data-download": "svg", text: "SVG" }),
      element("span", { text: t("its data") }),
      element("a", { className: "format", "data-download": "csv", download: `${this.spec.report}.csv`,
        href: reportUrl(this.spec.report, "csv", params), text: "CSV" }),
      element("a", { className: "format", "data-download": "xlsx", download: `${this.spec.report}.xlsx`,
        href: reportUrl(this.spec.report, "xlsx", params), text: "XLSX" }));
    box.querySelector('[data-download="png"]').addEventListener("click", () => this.savePng());
    box.querySelector('[data-download="svg"]').addEventListener("click", () => this.saveSvg());
    return box;
  }

  savePng() {
    // Drawn again with the title for the file, at twice the resolution, then put back.
    this.chart.setOption(this.option(true), true);
    const url = this.chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
    this.chart.setOption(this.option(false), true);
    save(url, `${this.spec.id}.png`);
  }

  // An SVG-rendered instance (server-side mode: no element needed) of the same option.
  svgText() {
    const box = this.chart.getDom();
    const svgChart = echarts.init(null, null, { renderer: "svg", ssr: true, width: box.clientWidth,
      height: box.clientHeight + 46, locale: current.lang === "en" ? "EN" : "ZH" });
    svgChart.setOption(this.option(true));
    const text = svgChart.renderToSVGString();
    svgChart.dispose();
    return text;
  }

  saveSvg() {
    const url = URL.createObjectURL(new Blob([this.svgText()], { type: "image/svg+xml" }));
    save(url, `${this.spec.id}.svg`);
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  table() {
    const { spec } = this;
    const separator = current.lang === "en" ? ", " : "、";
    const cell = (row, column) => {
      const value = row[column.key];
      if (column.kind === "node") return element("td", { className: "data", text: value ? this.names.node(value) : "–" });
      if (column.kind === "nodes") {
        return element("td", { className: "data", text: value.length ? value.map((n) => this.names.node(n)).join(separator) : "–" });
      }
      return element("td", { className: "number", "data-value": value ?? "", text: formatValue(value, column.kind) });
    };
    const labels = this.labels();
    return element("table", { className: "figures" },
      element("caption", { text: t("Figures of the chart: {title}", { title: t(spec.title) }) }),
      element("thead", {}, element("tr", {}, element("th", { scope: "col", text: t(LABEL_HEADERS[spec.id](this.filters)) }),
        ...spec.columns.map((c) => element("th", { scope: "col", text: t(c.header) })))),
      element("tbody", {}, ...this.rows.map((row, i) => element("tr", { "data-key": row.key },
        element("th", { scope: "row", className: row.node ? "data" : undefined, text: labels[i] }),
        ...spec.columns.map((c) => cell(row, c))))));
  }
}
