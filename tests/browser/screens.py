"""What the screenshot suite checks on a page, read from the page itself (DOM and the Vega views' own
scenegraphs, never pixels): text that runs out of its container, and chart labels that are missing,
shortened, overlapping or smaller than 12 px."""
from __future__ import annotations

# The Vega View behind each chart: Streamlit keeps it in a React hook of the chart's component, found by
# walking up the React fiber from the chart's DOM node.
_FIND_VIEWS = """
const isView = o => o && typeof o === 'object' && typeof o.scenegraph === 'function'
  && typeof o.data === 'function' && typeof o.signal === 'function';
const inHooks = st => {
  for (let h = st, i = 0; h && i < 60; h = h.next, i++) {
    const v = h.memoizedState;
    if (isView(v)) return v;
    if (v && typeof v === 'object') {
      if (isView(v.current)) return v.current;
      for (const k of Object.keys(v)) {
        try { if (isView(v[k])) return v[k]; if (v[k] && isView(v[k].current)) return v[k].current; } catch (e) {}
      }
    }
  }
  return null;
};
const viewOf = el => {
  const key = Object.keys(el).find(k => k.startsWith('__reactFiber'));
  for (let f = el[key], i = 0; f && i < 30; f = f.return, i++) { const v = inHooks(f.memoizedState); if (v) return v; }
  return null;
};
"""

CHART_PROBLEMS = "() => {" + _FIND_VIEWS + """
  const problems = [];
  const charts = Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"]'));
  charts.forEach((el, n) => {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return;  // in a closed expander or tab
    const view = viewOf(el);
    if (!view) { problems.push(`chart ${n + 1}: no Vega view found`); return; }
    const axes = [];      // [{orient, labels: [{text, opacity, fontSize, bounds}]}]
    const texts = [];     // every text mark item (values written on bars, etc.)
    const legendLabels = [];
    // ox: the x offset of the group the node sits in (scenegraph bounds are relative to their group).
    const walk = (node, axis, ox) => {
      if (!node) return;
      if (node.role === 'axis' && node.marktype === 'group') {
        for (const it of node.items || []) {
          const a = {orient: it.orient || (it.datum && it.datum.orient) || '?', labels: []};
          axes.push(a);
          for (const m of it.items || []) walk(m, a, ox + (it.x || 0));
        }
        return;
      }
      if (node.marktype === 'text') {
        for (const it of node.items || []) {
          const entry = {role: node.role, text: Array.isArray(it.text) ? it.text.join(' ') : String(it.text ?? ''),
                         opacity: it.opacity === undefined ? 1 : it.opacity, fontSize: it.fontSize, angle: it.angle || 0, x: it.x, y: it.y,
                         bounds: it.bounds ? {x1: it.bounds.x1, x2: it.bounds.x2, y1: it.bounds.y1, y2: it.bounds.y2} : null,
                         right: it.bounds ? it.bounds.x2 + ox : null};
          if (node.role === 'axis-label' && axis) axis.labels.push(entry);
          else if (node.role === 'legend-label') legendLabels.push(entry);
          else texts.push(entry);
        }
      }
      for (const it of node.items || []) for (const m of it.items || []) walk(m, axis, ox + (node.marktype === 'group' ? (it.x || 0) : 0));
    };
    walk(view.scenegraph().root, null, view.origin ? view.origin()[0] : 0);
    const drawn = el.querySelector('svg, canvas');
    const drawnWidth = drawn ? drawn.getBoundingClientRect().width : box.width;
    const name = `chart ${n + 1}`;
    // Every category of a band or point scale has its label, in full.
    for (const scaleName of ['x', 'y']) {
      let s = null;
      try { s = view.scale(scaleName); } catch (e) { s = null; }
      if (!s || typeof s.bandwidth !== 'function') continue;
      const orients = scaleName === 'x' ? ['top', 'bottom'] : ['left', 'right'];
      const axis = axes.find(a => orients.includes(a.orient));
      if (!axis) continue;  // no axis drawn for this scale: the marks carry their own text
      const shownText = new Set(axis.labels.filter(l => l.opacity !== 0).map(l => l.text));
      for (const value of s.domain()) {
        const expected = String(value).split('|').join(' ');
        if (!shownText.has(expected)) problems.push(`${name}: no label for "${expected}"`);
      }
    }
    const discrete = [];
    for (const scaleName of ['x', 'y']) {
      let sc = null;
      try { sc = view.scale(scaleName); } catch (e) { sc = null; }
      if (sc && typeof sc.bandwidth === 'function') discrete.push(...(scaleName === 'x' ? ['top', 'bottom'] : ['left', 'right']));
    }
    for (const a of axes) {
      const shown = a.labels.filter(l => l.opacity !== 0 && l.text !== '');
      for (const l of shown) {
        if (l.text.endsWith('…')) problems.push(`${name}: axis label shortened: "${l.text}"`);
        if (l.fontSize < 12) problems.push(`${name}: axis label "${l.text}" is ${l.fontSize}px (< 12)`);
      }
      if (!discrete.includes(a.orient)) continue;  // number axes: Vega thins crowded ticks itself
      // Labels of one axis must not overlap one another (a ragged mash of words is as bad as a dropped one).
      const horizontal = a.orient === 'top' || a.orient === 'bottom';
      const sorted = shown.filter(l => l.bounds).sort((p, q) => horizontal ? p.bounds.x1 - q.bounds.x1 : p.bounds.y1 - q.bounds.y1);
      for (let i = 1; i < sorted.length; i++) {
        const p = sorted[i - 1].bounds, q = sorted[i].bounds;
        const angle = Math.abs(sorted[i].angle % 180);
        let overlap;
        if (angle > 1 && angle < 179) {
          // Turned labels are parallel strips: they clash when their anchors are closer than a line of text,
          // measured across the strips (their bounding boxes always overlap).
          const along = horizontal ? Math.abs(sorted[i].x - sorted[i - 1].x) : Math.abs(sorted[i].y - sorted[i - 1].y);
          overlap = along * Math.sin(angle * Math.PI / 180) < sorted[i].fontSize * 0.9;
        } else {
          overlap = Math.min(p.x2, q.x2) - Math.max(p.x1, q.x1) > 1 && Math.min(p.y2, q.y2) - Math.max(p.y1, q.y1) > 1;
        }
        if (overlap) problems.push(`${name}: axis labels overlap: "${sorted[i - 1].text}" / "${sorted[i].text}"`);
      }
    }
    for (const l of legendLabels.filter(l => l.opacity !== 0)) {
      if (l.text.endsWith('…')) problems.push(`${name}: legend label shortened: "${l.text}"`);
      if (l.fontSize < 12) problems.push(`${name}: legend label "${l.text}" is ${l.fontSize}px (< 12)`);
    }
    for (const t of texts.filter(t => t.opacity !== 0 && t.text !== '')) {
      if (t.fontSize < 12) { problems.push(`${name}: text "${t.text.slice(0, 40)}" is ${t.fontSize}px (< 12)`); break; }
    }
    // Values written on a chart must not run past its right edge (they are cut off there).
    for (const t of texts.filter(t => t.opacity !== 0 && t.text !== '' && t.right !== null)) {
      if (t.right > drawnWidth + 1) { problems.push(`${name}: text "${t.text.slice(0, 40)}" runs past the chart's edge`); break; }
    }
  });
  return problems;
}"""

# Text that runs past the right edge of the main column (or the window), outside a scrolling box.
OVERFLOW_PROBLEMS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return ['no main area'];
  const problems = [];
  const limit = Math.min(window.innerWidth, main.getBoundingClientRect().right) + 2;
  const scrolls = el => {
    for (let a = el.parentElement; a && a !== main; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (['auto', 'scroll'].includes(s.overflowX) && a.scrollWidth > a.clientWidth) return true;
      if (a.matches('[data-testid="stVegaLiteChart"], [data-testid="stDataFrame"], [data-testid="stCode"], pre')) return true;
    }
    return false;
  };
  const selector = 'p, li, h1, h2, h3, h4, h5, h6, label, a, button, .katex, [data-testid="stMetricValue"], [data-testid="stMetricLabel"]';
  for (const el of main.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || !el.textContent.trim()) continue;
    if (r.right > limit && !scrolls(el)) {
      problems.push(`text runs off the page by ${Math.round(r.right - limit)}px: "${el.textContent.trim().slice(0, 60)}"`);
    }
  }
  if (main.scrollWidth > main.clientWidth + 2) problems.push(`the page scrolls sideways (${main.scrollWidth} > ${main.clientWidth}px)`);
  return problems.slice(0, 10);
}"""
