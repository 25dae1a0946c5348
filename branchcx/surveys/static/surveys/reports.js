// Charts of the satisfaction reports (dashboard and expectation views).
// Data comes from a JSON <script> block (no inline script under the CSP); tooltips are drawn
// on the canvas (richText) because HTML tooltips would need inline styles. Every chart has a
// table beside it with the same figures. Small samples (fewer than 30 answers) are drawn
// grey and hatched, as the tables mark them.
(function () {
  "use strict";

  var charts = [];
  var GREY = "#adb5bd";
  var HATCH = {
    symbol: "rect", symbolSize: 1, color: "rgba(255, 255, 255, 0.6)",
    dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: Math.PI / 4
  };

  function draw(id, option) {
    var holder = document.getElementById(id);
    if (!holder) {
      return;
    }
    var chart = echarts.init(holder, null, { renderer: "canvas" });
    option.animation = false;
    chart.setOption(option);
    holder.setAttribute("data-ready", "1");
    charts.push(chart);
  }

  // A line with its interval as a band: the lower bound (invisible) stacked under the
  // interval's width (filled).
  function banded(labels, months, values, low, high, small, color, min, max) {
    var width = low.map(function (l, i) {
      return l === null || high[i] === null ? null : Math.round((high[i] - l) * 10) / 10;
    });
    return {
      color: [color],
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, data: [labels.name] },
      grid: { left: 50, right: 20, top: 36, bottom: 28 },
      xAxis: { type: "category", data: months, boundaryGap: false },
      yAxis: { type: "value", min: min, max: max },
      series: [
        // stackStrategy "all": the width is stacked on a negative lower bound too
        { name: "low", type: "line", data: low, stack: "band", stackStrategy: "all",
          symbol: "none", lineStyle: { opacity: 0 }, tooltip: { show: false } },
        { name: labels.interval, type: "line", data: width, stack: "band",
          stackStrategy: "all", symbol: "none",
          lineStyle: { opacity: 0 }, areaStyle: { color: color, opacity: 0.15 },
          tooltip: { show: false } },
        { name: labels.name, type: "line", symbolSize: 7, lineStyle: { color: color },
          data: values.map(function (v, i) {
            return small[i] ? { value: v, itemStyle: { color: GREY, borderType: "dashed" },
              symbol: "emptyCircle" } : v;
          }) }
      ]
    };
  }

  function dashboard(data) {
    var labels = data.labels;
    draw("chart-trend-nps", banded(
      { name: labels.nps, interval: labels.interval }, data.trend.months, data.trend.nps,
      data.trend.npsLow, data.trend.npsHigh, data.trend.npsSmall, "#1f5fa8", -100, 100));
    draw("chart-trend-csat", banded(
      { name: labels.csat, interval: labels.interval }, data.trend.months, data.trend.csat,
      data.trend.csatLow, data.trend.csatHigh, data.trend.csatSmall, "#2e7d32", 0, 100));
    draw("chart-outlets", {
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 110, right: 30, top: 10, bottom: 28 },
      xAxis: { type: "value", min: -100, max: 100 },
      yAxis: { type: "category", data: data.outlets.names, inverse: true },
      series: [{
        name: labels.nps, type: "bar",
        data: data.outlets.nps.map(function (v, i) {
          return data.outlets.small[i] ?
            { value: v, itemStyle: { color: GREY, decal: HATCH } } :
            { value: v, itemStyle: { color: v < 0 ? "#c62828" : "#1f5fa8" } };
        })
      }]
    });
    draw("chart-dimensions", {
      color: ["#90a4ae", "#1f5fa8", "#c62828"],
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0 },
      grid: { left: 40, right: 20, top: 36, bottom: 50 },
      xAxis: { type: "category", data: data.dimensions.names, axisLabel: { interval: 0, rotate: 20 } },
      yAxis: { type: "value" },
      series: [
        { name: labels.expectation, type: "bar", data: data.dimensions.expectation },
        { name: labels.perception, type: "bar", data: data.dimensions.perception },
        { name: labels.gap, type: "bar", data: data.dimensions.gap }
      ]
    });
    draw("chart-drivers", {
      color: ["#6a1b9a"],
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 110, right: 30, top: 10, bottom: 40 },
      xAxis: { type: "value", name: labels.weight, nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "category", data: data.drivers.names, inverse: true },
      series: [{ name: labels.weight, type: "bar", data: data.drivers.percent }]
    });
  }

  function expectations(data) {
    var labels = data.labels;
    var heat = data.heat;
    draw("chart-heat", {
      tooltip: {
        position: "top", renderMode: "richText",
        formatter: function (p) {
          return heat.outlets[p.value[1]] + " / " + heat.dimensions[p.value[0]] + ": " +
            p.value[2];
        }
      },
      grid: { left: 200, right: 20, top: 10, bottom: 70 },
      xAxis: { type: "category", data: heat.dimensions, splitArea: { show: true } },
      yAxis: { type: "category", data: heat.outlets, inverse: true, splitArea: { show: true } },
      visualMap: {
        min: Math.min(heat.min, -0.1), max: 0, calculable: true, orient: "horizontal",
        left: "center", bottom: 0, inRange: { color: ["#8a1c1c", "#fdecea", "#f5f5f5"] }
      },
      series: [{ name: labels.gap, type: "heatmap", data: heat.cells, label: { show: true } }]
    });
    var palette = ["#1f5fa8", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a"];
    var series = [];
    data.drift.dimensions.forEach(function (name, i) {
      series.push({
        name: name + " · " + labels.expectation, type: "line", data: data.drift.expectation[i],
        symbolSize: 4, lineStyle: { type: "dashed", color: palette[i] },
        itemStyle: { color: palette[i] }
      });
      series.push({
        name: name + " · " + labels.perception, type: "line", data: data.drift.perception[i],
        symbolSize: 4, lineStyle: { color: palette[i] }, itemStyle: { color: palette[i] }
      });
    });
    draw("chart-drift", {
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 40, right: 20, top: 40, bottom: 28 },
      xAxis: { type: "category", data: data.drift.periods },
      yAxis: { type: "value", min: function (v) { return Math.floor(v.min); }, max: 7 },
      series: series
    });
  }

  function init() {
    if (typeof echarts === "undefined") {
      return;
    }
    var board = document.getElementById("survey-report-data");
    if (board) {
      dashboard(JSON.parse(board.textContent));
    }
    var gaps = document.getElementById("expectation-report-data");
    if (gaps) {
      expectations(JSON.parse(gaps.textContent));
    }
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
