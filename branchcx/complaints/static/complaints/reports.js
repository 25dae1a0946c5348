// Charts of the complaint analysis page, drawn with the shared chart script
// (web/charts.js: data island, resize, gaps for months without complaints).
BranchCX.charts.ready("complaint-report-data", function (data, charts) {
  "use strict";
  var labels = data.labels;

  charts.draw("chart-volume", {
    color: ["#1f5fa8", "#c62828"],
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.volume.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: labels.complaints, type: "bar", data: data.volume.counts },
      { name: labels.major, type: "line", data: data.volume.major, symbolSize: 5 }
    ]
  });

  charts.draw("chart-heatmap", {
    tooltip: {
      position: "top",
      renderMode: "richText",
      formatter: function (p) {
        return data.heatmap.businesses[p.value[1]] + " / " +
          data.heatmap.causes[p.value[0]] + ": " + p.value[2];
      }
    },
    grid: { left: 150, right: 20, top: 10, bottom: 110 },
    xAxis: {
      type: "category", data: data.heatmap.causes, splitArea: { show: true },
      axisLabel: { rotate: 40, interval: 0 }
    },
    yAxis: { type: "category", data: data.heatmap.businesses, splitArea: { show: true } },
    visualMap: {
      min: 0, max: Math.max(data.heatmap.max, 1), calculable: true, orient: "horizontal",
      left: "center", bottom: 0, inRange: { color: ["#fdecea", "#8a1c1c"] }
    },
    series: [{
      name: labels.complaints, type: "heatmap", data: data.heatmap.cells,
      label: { show: true }
    }]
  });

  charts.draw("chart-times", {
    color: ["#1f5fa8", "#2e7d32"],
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.times.months },
    yAxis: { type: "value", min: 0 },
    series: [
      { name: labels.mean, type: "line", data: data.times.mean, symbolSize: 5 },
      { name: labels.median, type: "line", data: data.times.median, symbolSize: 5 }
    ]
  });

  charts.draw("chart-rates", {
    color: ["#8a1c1c"],
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: { left: 120, right: 30, top: 10, bottom: 28 },
    xAxis: { type: "value", name: labels.per10k, nameLocation: "middle", nameGap: 22 },
    yAxis: { type: "category", data: data.rates.outlets, inverse: true },
    series: [{ name: labels.per10k, type: "bar", data: data.rates.values }]
  });
});
