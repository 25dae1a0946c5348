// Monthly money in/out chart on the customer 360 page, drawn with the shared chart script
// (web/charts.js: data island, resize).
BranchCX.charts.ready("txn-chart-data", function (data, charts) {
  "use strict";
  charts.draw("txn-chart", {
    color: ["#2e7d32", "#c62828", "#1f5fa8"],
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 70, right: 50, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: [
      { type: "value", name: "CNY" },
      { type: "value", name: data.labels.count, minInterval: 1, splitLine: { show: false } }
    ],
    series: [
      { name: data.labels.credit, type: "bar", data: data.credit.map(Number) },
      { name: data.labels.debit, type: "bar", data: data.debit.map(Number) },
      { name: data.labels.count, type: "line", yAxisIndex: 1, data: data.count, symbolSize: 5 }
    ]
  });
});
