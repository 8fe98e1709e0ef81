/**
 * The script each report page runs after chart.js: draws every `ChartSpec` in `CHARTS` (a global the
 * page defines) the same way. No animation (a screenshot or a printout must show the final state);
 * category axes never skip a label; log axes (counts) tick at 1, 2, 5 × 10ⁿ written as integers (chart.js's own
 * log ticks read `1.00, 1.10, 1.20…` on a short range); linear count axes tick at whole numbers; charts
 * are redrawn at the paper's width before printing.
 */
export const CHART_RUNTIME = String.raw`(() => {
  'use strict';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  const fmt = (v) => Number(v).toLocaleString('en-US', { maximumFractionDigits: 2 });
  function logTicks(axis) {
    const ticks = [];
    const lo = Math.max(axis.min, 1e-9);
    // Over more than three decades, 2 and 5 would crowd the labels: powers of ten only.
    const steps = Math.log10(axis.max / lo) > 3 ? [1] : [1, 2, 5];
    for (let e = Math.floor(Math.log10(lo)); 10 ** e <= axis.max * 1.001; e++) {
      for (const m of steps) {
        const v = m * 10 ** e;
        if (v >= 1 && v >= lo * 0.999 && v <= axis.max * 1.001) ticks.push({ value: v });
      }
    }
    axis.ticks = ticks;
  }
  function scale(a, stacked, bar) {
    const s = { title: { display: true, text: a.title, font: { weight: 'bold' } }, stacked: !!stacked, ticks: {} };
    if (a.scale === 'category') {
      s.ticks.autoSkip = false;
    } else if (a.scale === 'log') {
      s.type = 'logarithmic';
      // A bar of value 1 needs room below 1 to be seen; its ticks still start at 1.
      s.min = a.min ?? (bar ? 0.5 : 1);
      if (a.max !== undefined) s.max = a.max;
      // At least one decade, so a narrow range still gets 1, 2, 5, 10.
      s.afterDataLimits = (axis) => { if (axis.max < 10) axis.max = 10; };
      s.afterBuildTicks = logTicks;
      s.ticks.callback = (v) => fmt(v);
    } else {
      s.type = 'linear';
      s.beginAtZero = true;
      if (a.min !== undefined) s.min = a.min;
      if (a.max !== undefined) s.max = a.max;
      if (a.integer) s.ticks.precision = 0;
      s.ticks.callback = a.percent ? (v) => Math.round(v * 100) + '%' : (v) => fmt(v);
    }
    return s;
  }
  for (const spec of CHARTS) {
    const canvas = document.getElementById(spec.id);
    if (!canvas) continue;
    const line = spec.type === 'line';
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((d) => ({
          label: d.label,
          data: d.data,
          backgroundColor: d.color,
          borderColor: d.color,
          borderWidth: line ? 2 : 0,
          pointRadius: 0,
          stepped: d.stepped ? 'after' : false,
          skipNull: true,
          // A line along the top (a CDF at 100 %) is drawn whole, not half cut by the chart area.
          clip: line ? false : undefined,
        })),
      },
      options: {
        indexAxis: spec.horizontal ? 'y' : 'x',
        scales: { x: scale(spec.x, spec.stacked, !line), y: scale(spec.y, spec.stacked, !line) },
        plugins: {
          legend: { display: spec.legend, position: 'top', labels: { boxWidth: 14 } },
          tooltip: { callbacks: { label: (c) => c.dataset.label + ': ' + fmt(spec.horizontal ? c.parsed.x : c.parsed.y) } },
        },
      },
    });
  }
  window.addEventListener('beforeprint', () => { for (const c of Object.values(Chart.instances)) c.resize(); });
})();`;
