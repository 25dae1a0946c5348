// Monthly money in/out chart on the customer 360 page.
// Data comes from a JSON <script> block (no inline script under the CSP); tooltips are
// drawn on the canvas (richText) because HTML tooltips would need inline styles.
(function () {
  "use strict";

  function init() {
    var holder = document.getElementById("txn-chart");
    var source = document.getElementById("txn-chart-data");
    if (!holder || !source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
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
    holder.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
