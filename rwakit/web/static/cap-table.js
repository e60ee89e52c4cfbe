// The cap table's chart (Chart.js, served by the app from node_modules): each investor's share of the
// issued supply, from the JSON the page embeds.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("cap-data").textContent);
  const canvas = document.getElementById("cap-chart");
  const colours = ["#1f5f8b", "#e0803a", "#3a9d5d", "#b9463f", "#7a5cad", "#8c6d46", "#d36fb0", "#6b6b6b"];
  const chart = new Chart(canvas, {
    type: "doughnut",
    data: {
      labels: data.labels,
      datasets: [{ data: data.amounts, backgroundColor: data.labels.map((_, i) => colours[i % colours.length]) }],
    },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: "right" } } },
  });
  canvas.dataset.rendered = String(chart.data.labels.length);
})();
