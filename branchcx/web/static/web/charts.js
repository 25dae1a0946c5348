// The one chart script of BranchCX, loaded after ECharts by every page that draws charts.
//
// The convention (see branchcx/web/charts.py): a page puts what its charts draw in a JSON
// data island, `{{ chart|json_script:"<page>-chart-data" }}` (no inline script under the
// CSP), and its own small script registers a builder:
//
//     BranchCX.charts.ready("complaint-report-data", function (data, charts) {
//       charts.draw("chart-volume", {...ECharts option...});
//     });
//
// `draw` initialises a holder once, switches animation off, marks it data-ready="1" (the
// browser tests wait for it) and keeps it for the one resize handler. Tooltips are drawn on
// the canvas (richText) because HTML tooltips would need inline styles. Every chart has a
// table beside it with the same figures, for screen readers and printing.
//
// Empty periods are gaps: the data island carries null for a month without data and lines
// are never joined over it (connectNulls false). Small samples are drawn grey and hatched,
// as the tables mark them in words.
(function () {
  "use strict";

  var drawn = [];
  var GREY = "#adb5bd";
  var HATCH = {
    symbol: "rect", symbolSize: 1, color: "rgba(255, 255, 255, 0.6)",
    dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: Math.PI / 4
  };

  function gapless(option) {
    (option.series || []).forEach(function (series) {
      if (series.type === "line" && series.connectNulls === undefined) {
        series.connectNulls = false;
      }
    });
    return option;
  }

  function draw(id, option) {
    var holder = document.getElementById(id);
    if (!holder) {
      return null;
    }
    var chart = echarts.init(holder, null, { renderer: "canvas" });
    option.animation = false;
    chart.setOption(gapless(option));
    holder.setAttribute("data-ready", "1");
    drawn.push(chart);
    return chart;
  }

  function data(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  // Bars or points of a series: a small sample grey and hatched, the others coloured by
  // `color(value)` (a colour or a function of the value).
  function marked(values, small, color) {
    return values.map(function (v, i) {
      if (small && small[i]) {
        return { value: v, itemStyle: { color: GREY, decal: HATCH } };
      }
      return { value: v, itemStyle: { color: typeof color === "function" ? color(v) : color } };
    });
  }

  // A line with its interval as a band: the lower bound (invisible) stacked under the
  // interval's width (filled). `band` is {values, low, high, small} as charts.py builds it.
  function banded(labels, periods, band, color, min, max) {
    var width = band.low.map(function (l, i) {
      var h = band.high[i];
      return l === null || h === null ? null : Math.round((h - l) * 10) / 10;
    });
    return {
      color: [color],
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, data: [labels.name] },
      grid: { left: 50, right: 20, top: 36, bottom: 28 },
      xAxis: { type: "category", data: periods, boundaryGap: false },
      yAxis: { type: "value", min: min, max: max },
      series: [
        // stackStrategy "all": the width is stacked on a negative lower bound too
        { name: "low", type: "line", data: band.low, stack: "band", stackStrategy: "all",
          symbol: "none", lineStyle: { opacity: 0 }, tooltip: { show: false } },
        { name: labels.interval, type: "line", data: width, stack: "band",
          stackStrategy: "all", symbol: "none",
          lineStyle: { opacity: 0 }, areaStyle: { color: color, opacity: 0.15 },
          tooltip: { show: false } },
        { name: labels.name, type: "line", symbolSize: 7, lineStyle: { color: color },
          data: band.values.map(function (v, i) {
            return band.small[i] ? { value: v, itemStyle: { color: GREY, borderType: "dashed" },
              symbol: "emptyCircle" } : v;
          }) }
      ]
    };
  }

  var charts = { draw: draw, data: data, marked: marked, banded: banded, GREY: GREY,
    HATCH: HATCH };

  // Run `build(data, charts)` once the page has loaded, if the page holds the data island
  // `islandId` and ECharts is there.
  function ready(islandId, build) {
    function run() {
      var found = typeof echarts === "undefined" ? null : data(islandId);
      if (found !== null) {
        build(found, charts);
      }
    }
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", run);
    } else {
      run();
    }
  }
  charts.ready = ready;

  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) { chart.resize(); });
  });

  window.BranchCX = window.BranchCX || {};
  window.BranchCX.charts = charts;
})();
