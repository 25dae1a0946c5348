// Charts of the satisfaction reports (dashboard and expectation views), drawn with the
// shared chart script (web/charts.js: data island, resize, interval bands, small samples
// grey and hatched, gaps for periods without answers).
(function () {
  "use strict";

  function dashboard(data, charts) {
    var labels = data.labels;
    charts.draw("chart-trend-nps", charts.banded(
      { name: labels.nps, interval: labels.interval }, data.trend.months, data.trend.nps,
      "#1f5fa8", -100, 100));
    charts.draw("chart-trend-csat", charts.banded(
      { name: labels.csat, interval: labels.interval }, data.trend.months, data.trend.csat,
      "#2e7d32", 0, 100));
    charts.draw("chart-outlets", {
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 110, right: 30, top: 10, bottom: 28 },
      xAxis: { type: "value", min: -100, max: 100 },
      yAxis: { type: "category", data: data.outlets.names, inverse: true },
      series: [{
        name: labels.nps, type: "bar",
        data: charts.marked(data.outlets.nps, data.outlets.small, function (v) {
          return v < 0 ? "#c62828" : "#1f5fa8";
        })
      }]
    });
    charts.draw("chart-dimensions", {
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
    charts.draw("chart-drivers", {
      color: ["#6a1b9a"],
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 110, right: 30, top: 10, bottom: 40 },
      xAxis: { type: "value", name: labels.weight, nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "category", data: data.drivers.names, inverse: true },
      series: [{ name: labels.weight, type: "bar", data: data.drivers.percent }]
    });
  }

  function expectations(data, charts) {
    var labels = data.labels;
    var heat = data.heat;
    charts.draw("chart-heat", {
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
    charts.draw("chart-drift", {
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 40, right: 20, top: 40, bottom: 28 },
      xAxis: { type: "category", data: data.drift.periods },
      yAxis: { type: "value", min: function (v) { return Math.floor(v.min); }, max: 7 },
      series: series
    });
  }

  BranchCX.charts.ready("survey-report-data", dashboard);
  BranchCX.charts.ready("expectation-report-data", expectations);
})();
