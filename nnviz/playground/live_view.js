// The playground's live view: status line, decision boundary, loss curve, network diagram and the inspected
// neuron, drawn here from the compact frames of nnviz/playground/frames.py (the way TensorFlow Playground's
// heatmap.ts draws a matrix). The page hands over the scene (what does not change while training) and the
// current frame on every rerun; while playing, further frames come over the WebSocket of
// nnviz/playground/live.py, one asked for at a time (when the previous one arrived, so the server makes it
// while this one is drawn), at most one every `interval_ms`, and none while the tab is hidden.

const MAX_CURVE = 800; // points kept per loss curve; thinned by half beyond
const STATUS_MS = 250; // the status line changes at most this often while streaming (text reflows the page)
const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const POSITIVE = "#0877bd";
const NEGATIVE = "#f59322";
// earlier runs' loss curves drawn over the live chart (frames.overlays: page data, not frames)
const OVERLAY_COLORS = ["#7b3fe4", "#1b9e77", "#d6336c", "#2f6fd0"];

// --- decoding ------------------------------------------------------------------------------------------

async function bytesOf(base64, rowLength) {
  // base64 → inflate (zlib) → undo the "Sub" filter row by row (each byte was sent minus its left neighbour)
  const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream("deflate"));
  const out = new Uint8Array(await new Response(stream).arrayBuffer());
  for (let start = 0; start < out.length; start += rowLength) {
    for (let i = start + 1; i < start + rowLength; i++) out[i] = (out[i] + out[i - 1]) & 255;
  }
  return out;
}

function colormap(colors) {
  // 256 RGB entries low → mid → high, as nnviz.drawing.colors.make_colormap
  const [low, mid, high] = colors;
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    const [a, b, u] = t < 0.5 ? [low, mid, t / 0.5] : [mid, high, (t - 0.5) / 0.5];
    for (let k = 0; k < 3; k++) table[3 * i + k] = Math.round(a[k] + (b[k] - a[k]) * u);
  }
  return table;
}

function colorOf(table, t) {
  const i = 3 * Math.max(0, Math.min(255, Math.round(t * 255)));
  return `rgb(${table[i]},${table[i + 1]},${table[i + 2]})`;
}

function image(values, offset, n, table, discretize, lighten, canvas = document.createElement("canvas")) {
  // an n×n canvas (``canvas``, reused) of bytes values[offset ...] through the colormap
  if (canvas.width !== n) canvas.width = canvas.height = n;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(n, n);
  for (let p = 0; p < n * n; p++) {
    let v = values[offset + p];
    if (discretize) v = v >= 128 ? 217 : 38;
    for (let k = 0; k < 3; k++) {
      const c = table[3 * v + k];
      img.data[4 * p + k] = c + (255 - c) * lighten;
    }
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

function classImage(values, n, scene, discretize, lighten, canvas) {
  // k > 2 classes (frames.class_bytes): each byte is class × levels + step; the class's colour faded towards
  // the colormap's light grey by the step (chance level → grey), as nnviz.drawing.colors.class_colorize
  const { palette, levels } = scene;
  const mid = scene.colors[1];
  if (canvas.width !== n) canvas.width = canvas.height = n;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(n, n);
  for (let p = 0; p < n * n; p++) {
    const v = values[p];
    const colour = palette[Math.min(palette.length - 1, Math.floor(v / levels))];
    const strength = discretize ? 0.7 : (v % levels) / (levels - 1);
    for (let k = 0; k < 3; k++) {
      const c = mid[k] + (colour[k] - mid[k]) * strength;
      img.data[4 * p + k] = c + (255 - c) * lighten;
    }
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

function pointColor(view, t) {
  // a data point's fill: its class's colour (k > 2 classes), else its label or target on the colormap
  const { scene, table } = view;
  if (scene.palette) {
    const [r, g, b] = scene.palette[Math.max(0, Math.min(scene.palette.length - 1, Math.round(t)))];
    return `rgb(${r},${g},${b})`;
  }
  const [lo, hi] = scene.range;
  return colorOf(table, (t - lo) / (hi - lo));
}

// --- drawing helpers --------------------------------------------------------------------------------------

function fit(canvas, width, height) {
  // size a canvas for crisp drawing at the screen's pixel ratio; returns its context in CSS pixels
  const ratio = window.devicePixelRatio || 1;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = FONT;
  return ctx;
}

function niceTicks(lo, hi, target) {
  if (!(hi > lo) || !isFinite(lo) || !isFinite(hi)) return [lo];
  const raw = (hi - lo) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step) ticks.push(+t.toFixed(10));
  return ticks;
}

function label(v) {
  if (v === 0) return "0";
  if (Math.abs(v) >= 1e4 || Math.abs(v) < 0.01) return v.toExponential(0).replace("e+", "e");
  return String(+v.toPrecision(6));
}

function lossText(v) {
  if (v === null || v === undefined) return "–";
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3);
}

// --- the parts of the picture --------------------------------------------------------------------------------

function boundaryLayout(scene, size) {
  const [x0, x1, y0, y1] = scene.box;
  const left = 36, pad = 6, bottom = 30;
  const plot = size - left - pad;
  return {
    left, pad, bottom, plot, height: plot + pad + bottom,
    px: (x) => left + ((x - x0) / (x1 - x0)) * plot,
    py: (y) => pad + ((y1 - y) / (y1 - y0)) * plot,
  };
}

function boundaryOverlay(view, size, showTest) {
  // the points, the frame and the axes: they do not change while training, so they are drawn once per
  // scene, size and option into a canvas that every frame copies over its heat map
  const { scene } = view;
  const ratio = window.devicePixelRatio || 1;
  const g = boundaryLayout(scene, size);
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(size * ratio);
  canvas.height = Math.round(g.height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.font = FONT;
  const [x0, x1, y0, y1] = scene.box;
  ctx.save();
  ctx.beginPath();
  ctx.rect(g.left, g.pad, g.plot, g.plot);
  ctx.clip();
  const sets = showTest ? [[scene.train, "#ffffff"], [scene.test, "#222222"]] : [[scene.train, "#ffffff"]];
  for (const [points, rim] of sets) {
    for (const [x, y, t] of points) {
      ctx.beginPath();
      ctx.arc(g.px(x), g.py(y), 3.4, 0, 2 * Math.PI);
      ctx.fillStyle = pointColor(view, t);
      ctx.fill();
      ctx.lineWidth = 1.2;
      ctx.strokeStyle = rim;
      ctx.stroke();
      ctx.lineWidth = 0.6; // a dark hairline outside the rim: a point stays visible on its own colour
      ctx.strokeStyle = "rgba(0,0,0,0.45)";
      ctx.beginPath();
      ctx.arc(g.px(x), g.py(y), 4.3, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
  ctx.restore();
  ctx.strokeStyle = "#888";
  ctx.lineWidth = 1;
  ctx.strokeRect(g.left, g.pad, g.plot, g.plot);
  ctx.fillStyle = "#444";
  ctx.strokeStyle = "#666";
  ctx.textAlign = "center";
  for (const t of niceTicks(x0, x1, 5)) {
    ctx.beginPath();
    ctx.moveTo(g.px(t), g.pad + g.plot);
    ctx.lineTo(g.px(t), g.pad + g.plot + 4);
    ctx.stroke();
    ctx.fillText(label(t), g.px(t), g.pad + g.plot + 16);
  }
  ctx.textAlign = "right";
  for (const t of niceTicks(y0, y1, 5)) {
    ctx.beginPath();
    ctx.moveTo(g.left - 4, g.py(t));
    ctx.lineTo(g.left, g.py(t));
    ctx.stroke();
    ctx.fillText(label(t), g.left - 6, g.py(t) + 4);
  }
  ctx.fillStyle = "#333";
  ctx.textAlign = "center";
  ctx.fillText("x₁", g.left + g.plot / 2, g.height - 2);
  ctx.save();
  ctx.translate(11, g.pad + g.plot / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText("x₂", 0, 0);
  ctx.restore();
  return canvas;
}

function drawBoundary(canvas, size, view, heat, showTest) {
  const g = boundaryLayout(view.scene, size);
  const key = `${size}|${showTest}`;
  if (!view.overlays || view.overlays.scene !== view.scene) view.overlays = { scene: view.scene };
  if (!view.overlays[key]) view.overlays[key] = boundaryOverlay(view, size, showTest);
  const ctx = fit(canvas, size, g.height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  if (heat) ctx.drawImage(heat, g.left, g.pad, g.plot, g.plot);
  ctx.drawImage(view.overlays[key], 0, 0, size, g.height);
}

function drawCurve(canvas, width, height, view) {
  const ctx = fit(canvas, width, height);
  const left = 50, right = 12, top = 26, bottom = 30;
  const pw = width - left - right, ph = height - top - bottom;
  ctx.fillStyle = "#fafafa";
  ctx.fillRect(left, top, pw, ph);
  ctx.strokeStyle = "#ccc";
  ctx.strokeRect(left, top, pw, ph);
  const log = view.options.log;
  const usable = (points) => points.filter(([, v]) => v !== null && isFinite(v) && (!log || v > 0));
  const series = [["train", view.curves.train, "#333", []], ["test", view.curves.test, "#e07b00", [5, 3]]]
    .map(([name, points, color, dash]) => [name, usable(points), color, dash])
    .filter(([, points]) => points.length);
  const overlays = view.pastRuns
    .map((o, i) => [o.label, usable(o.train), OVERLAY_COLORS[i % OVERLAY_COLORS.length]])
    .filter(([, points]) => points.length);
  canvas.dataset.overlays = overlays.map(([name]) => name).join(" | "); // what is drawn, for tests
  if (!series.length && !overlays.length) {
    ctx.fillStyle = "#888";
    ctx.textAlign = "center";
    ctx.fillText("no loss yet", width / 2, height / 2);
    return;
  }
  const all = [...series, ...overlays].flatMap(([, points]) => points);
  const xmin = Math.min(...all.map((p) => p[0]));
  const xmax = Math.max(xmin + 1, ...all.map((p) => p[0]));
  const f = log ? Math.log10 : (v) => v;
  let ymin = log ? f(Math.min(...all.map((p) => p[1]))) : 0;
  let ymax = log ? f(Math.max(...all.map((p) => p[1]))) : Math.max(...all.map((p) => p[1])) * 1.05 || 1;
  if (ymax - ymin < 1e-12) [ymin, ymax] = [ymin - 0.5, ymax + 0.5];
  const px = (x) => left + ((x - xmin) / (xmax - xmin)) * pw;
  const py = (v) => top + ((ymax - f(v)) / (ymax - ymin)) * ph;
  ctx.fillStyle = "#555";
  ctx.textAlign = "right";
  const yticks = log ? Array.from({ length: Math.floor(ymax) - Math.ceil(ymin) + 1 }, (_, i) => 10 ** (Math.ceil(ymin) + i)) : niceTicks(ymin, ymax, 4);
  for (const t of yticks) {
    ctx.strokeStyle = "#e5e5e5";
    ctx.beginPath();
    ctx.moveTo(left, py(t));
    ctx.lineTo(left + pw, py(t));
    ctx.stroke();
    ctx.fillText(label(t), left - 5, py(t) + 4);
  }
  ctx.textAlign = "center";
  for (const t of niceTicks(xmin, xmax, 4)) {
    const text = label(t); // centred on its tick, but the last one ends inside the canvas, not cut off
    ctx.fillText(text, Math.min(px(t), width - 2 - ctx.measureText(text).width / 2), top + ph + 16);
  }
  ctx.fillStyle = "#333";
  ctx.fillText("epoch", left + pw / 2, height - 2);
  drawOverlays(ctx, overlays, px, py, left + pw, top);
  let legend = left;
  for (const [name, points, color, dash] of series) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.6;
    ctx.setLineDash(dash);
    ctx.beginPath();
    points.forEach(([x, v], i) => (i ? ctx.lineTo(px(x), py(v)) : ctx.moveTo(px(x), py(v))));
    ctx.stroke();
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(legend, 12);
    ctx.lineTo(legend + 18, 12);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#333";
    ctx.textAlign = "left";
    ctx.fillText(`${name} ${lossText(points[points.length - 1][1])}`, legend + 22, 16);
    legend += 130;
  }
  ctx.lineWidth = 1;
  if (log) {
    ctx.fillStyle = "#888";
    ctx.textAlign = "right";
    ctx.fillText("log scale", width - right, 16);
  }
}

function drawOverlays(ctx, overlays, px, py, right, top) {
  // earlier runs under the live curves, solid and coloured, each named in a legend at the top right
  overlays.forEach(([name, points, color], i) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach(([x, v], k) => (k ? ctx.lineTo(px(x), py(v)) : ctx.moveTo(px(x), py(v))));
    ctx.stroke();
    const y = top + 14 + 15 * i;
    ctx.textAlign = "right";
    ctx.fillStyle = color;
    ctx.fillText(fitText(ctx, name, 0.6 * (right - 50)), right - 28, y + 4);
    ctx.beginPath();
    ctx.moveTo(right - 24, y);
    ctx.lineTo(right - 6, y);
    ctx.stroke();
  });
  ctx.lineWidth = 1;
}

function fitText(ctx, text, room) {
  // text cut with an ellipsis to fit `room` pixels (a long formula as a layer's title)
  if (ctx.measureText(text).width <= room) return text;
  while (text.length > 1 && ctx.measureText(`${text}…`).width > room) text = text.slice(0, -1);
  return `${text}…`;
}

function diagramLayout(sizes, width) {
  const tallest = Math.max(...sizes);
  const node = tallest <= 8 ? 40 : Math.max(14, Math.floor((40 * 8) / tallest));
  const gap = node * 0.45, top = 34, bottom = 14, left = 70, right = 40;
  const height = Math.round(top + bottom + tallest * node + (tallest - 1) * gap);
  const step = (width - left - right - node) / Math.max(1, sizes.length - 1);
  const xs = sizes.map((_, c) => left + c * step);
  const ys = (count) => {
    const start = top + (height - top - bottom - (count * node + (count - 1) * gap)) / 2;
    return Array.from({ length: count }, (_, k) => start + k * (node + gap));
  };
  return { node, height, xs, ys };
}

function drawNetwork(canvas, width, view, maps) {
  const { scene, frame, options } = view;
  const sizes = scene.sizes;
  const { node, height, xs, ys } = diagramLayout(sizes, width);
  const ctx = fit(canvas, width, height);
  const flat = frame.weights.flat().filter((v) => v !== null);
  const wmax = Math.max(1, ...flat.map(Math.abs));
  ctx.globalAlpha = 0.7;
  frame.weights.forEach((w, c) => {
    const src = ys(sizes[c]), dst = ys(sizes[c + 1]);
    const xa = xs[c] + node, xb = xs[c + 1], mid = (xa + xb) / 2;
    for (let j = 0; j < sizes[c + 1]; j++) {
      for (let i = 0; i < sizes[c]; i++) {
        const v = w[j * sizes[c] + i];
        if (v === null) continue;
        const ya = src[i] + node / 2, yb = dst[j] + node / 2;
        ctx.strokeStyle = v > 0 ? POSITIVE : NEGATIVE;
        ctx.lineWidth = Math.min(7, 0.4 + (6 * Math.abs(v)) / wmax);
        ctx.beginPath();
        ctx.moveTo(xa, ya);
        ctx.bezierCurveTo(mid, ya, mid, yb, xb, yb);
        ctx.stroke();
      }
    }
  });
  ctx.globalAlpha = 1;
  ctx.imageSmoothingEnabled = true;
  let tile = 0;
  const room = sizes.length > 1 ? xs[1] - xs[0] - 8 : width;
  sizes.forEach((count, c) => {
    ctx.fillStyle = "#333";
    ctx.textAlign = "center";
    ctx.fillText(fitText(ctx, c === 0 ? "Input" : scene.layers[c - 1], room), xs[c] + node / 2, 16);
    ys(count).forEach((y, k) => {
      const x = xs[c];
      if (maps[tile]) ctx.drawImage(maps[tile], x, y, node, node);
      ctx.strokeStyle = "#999";
      ctx.lineWidth = 1;
      ctx.strokeRect(x, y, node, node);
      if (c === 0) {
        ctx.textAlign = "right";
        ctx.fillText(scene.inputs[k], x - 6, y + node / 2 + 4);
      } else if (frame.biases[c - 1] && frame.biases[c - 1][k] !== null) {
        const b = frame.biases[c - 1][k];
        const s = Math.min(node * 0.35, 3 + (6 * Math.abs(b)) / wmax);
        ctx.fillStyle = b > 0 ? POSITIVE : NEGATIVE;
        ctx.fillRect(x - s - 2, y + node - s, s, s);
      }
      if (options.selected && options.selected[0] === c && options.selected[1] === k) {
        ctx.strokeStyle = "#111";
        ctx.lineWidth = 2.5;
        ctx.strokeRect(x - 3, y - 3, node + 6, node + 6);
      }
      tile++;
    });
  });
}

function detailHtml(view) {
  // the inspected neuron's incoming weights as a table (its map is drawn on the canvas beside it)
  const { scene, frame, options } = view;
  const [c, k] = options.selected;
  const name = c === 0 ? `Input · ${scene.inputs[k]}` : `${scene.layers[c - 1].split(" · ")[0]} · neuron ${k + 1}`;
  if (c === 0) return `<p><b>${name}</b> is an input: the feature itself over the box.</p>`;
  const n = scene.sizes[c - 1];
  const sources = c === 1 ? scene.inputs : Array.from({ length: n }, (_, i) => `neuron ${i + 1}`);
  const rows = sources.map((s, i) => [s, frame.weights[c - 1][k * n + i]]);
  if (frame.biases[c - 1]) rows.push(["bias", frame.biases[c - 1][k]]);
  const cell = (v) => (v === null ? "–" : (v >= 0 ? "+" : "") + v.toFixed(4));
  return `<p><b>${name}</b>, incoming weights</p><table><thead><tr><th>from</th><th>weight</th></tr></thead><tbody>${rows.map(([s, v]) => `<tr><td>${s}</td><td>${cell(v)}</td></tr>`).join("")}</tbody></table>`;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function statusHtml(view) {
  const { frame, pace } = view;
  const parts = [`<b>Epoch</b> <span class='nnviz-epoch'>${frame.epoch.toLocaleString("en-US")}</span>` + (frame.batch ? ` + ${frame.batch}/${frame.batches} batches` : "")];
  parts.push(`train loss <b>${frame.loss[0] === null ? "–" : +frame.loss[0].toPrecision(4)}</b>`);
  parts.push(`test loss <b>${frame.loss[1] === null ? "–" : +frame.loss[1].toPrecision(4)}</b>`);
  if (frame.accuracy) {
    const pct = (v) => (v === null ? "–" : `${(100 * v).toFixed(1)}%`);
    const classes = view.scene.classes ? ` (${view.scene.classes} classes)` : "";
    parts.push(`accuracy${classes} <b>${pct(frame.accuracy[0])}</b> train` + (frame.accuracy[1] === null ? "" : `, <b>${pct(frame.accuracy[1])}</b> test`));
  }
  if (pace.fps !== null) parts.push(`${Math.round(pace.rate).toLocaleString("en-US")} epochs/s · ${Math.round(pace.fps)} fps`);
  const warning = frame.warning ? `<div class='nnviz-warning' style='color:#b45309'>⚠ ${escapeHtml(frame.warning)}</div>` : "";
  return `<div style='font-size:1.05rem'>${parts.join(" &nbsp;·&nbsp; ")}</div>${warning}`;
}

// --- one view, kept on the component's element across reruns -------------------------------------------

class LiveView {
  constructor(root) {
    this.root = root;
    this.parts = Object.fromEntries(["status", "boundary", "curve", "network", "detail-map", "detail-table"].map((n) => [n, root.querySelector(`.nnviz-${n}`)]));
    this.pace = { fps: null, rate: null, last: null };
    this.socket = null;
    this.visible = true; // drawn only while on screen: a hidden picture costs no drawing
    this.canvases = { heat: document.createElement("canvas"), maps: [], detail: document.createElement("canvas") };
    new IntersectionObserver((entries) => {
      this.visible = entries.some((entry) => entry.isIntersecting);
      if (this.visible) this.schedule();
    }).observe(this.parts.boundary);
    this.parts.boundary.addEventListener("click", (event) => this.clicked(event));
  }

  take(data, rerun) {
    // a rerun's data: the scene, the options, the current frame (its curve complete), and whether to stream
    const newRun = this.run !== data.run || !this.curves;
    this.scene = data.scene;
    this.options = data.options;
    this.pastRuns = data.overlays || []; // earlier runs to draw over the loss chart
    this.table = colormap(data.scene.colors);
    this.rerun = rerun;
    this.editable = data.editable; // clicks on the picture add points (Your data)
    this.parts.boundary.style.cursor = data.editable ? "crosshair" : "";
    if (!data.token) this.close(); // paused: the page's frame is the truth, not the last streamed one
    if (newRun || !this.socket) {
      this.show(data.frame, true);
    } else { // new options over the same frame
      this.stale = true;
      this.schedule();
    }
    this.run = data.run;
    if (data.token && data.token !== this.token) this.stream(data);
  }

  clicked(event) {
    // a click inside the plot, in data coordinates, goes to Python as the event "click" (shift: remove)
    if (!this.editable || !this.scene || !this.send) return;
    const rect = this.parts.boundary.getBoundingClientRect();
    const g = boundaryLayout(this.scene, rect.width);
    const u = (event.clientX - rect.left - g.left) / g.plot, v = (event.clientY - rect.top - g.pad) / g.plot;
    if (!(u >= 0 && u <= 1 && v >= 0 && v <= 1)) return;
    const [x0, x1, y0, y1] = this.scene.box;
    this.send("click", { x: x0 + u * (x1 - x0), y: y1 - v * (y1 - y0), remove: event.shiftKey });
  }

  show(frame, complete) {
    if (complete) this.curves = { train: frame.train, test: frame.test };
    else this.extend(frame);
    this.frame = frame;
    this.tick(frame.epoch);
    this.updateStatus();
    this.stale = true; // the picture is behind the latest frame
    this.schedule();
  }

  updateStatus() {
    // at most every STATUS_MS while streaming, the last frame's numbers always shown in the end
    const due = (this.statusAt || 0) + STATUS_MS - performance.now();
    if (due <= 0 || !this.socket) {
      clearTimeout(this.statusTimer);
      this.statusTimer = null;
      this.statusAt = performance.now();
      this.parts.status.innerHTML = statusHtml(this);
    } else if (!this.statusTimer) {
      this.statusTimer = setTimeout(() => {
        this.statusTimer = null;
        this.updateStatus();
      }, due);
    }
  }

  schedule() {
    // one drawing per animation frame at most, of the latest frame, and none while off screen
    if (this.scheduled || !this.visible) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.paint();
    });
  }

  async paint() {
    if (!this.stale || !this.visible || this.painting) return;
    this.painting = true;
    this.stale = false;
    const frame = this.frame;
    try {
      await this.decode(frame);
      this.redraw();
    } finally {
      this.painting = false;
      if (this.stale) this.schedule(); // a newer frame came meanwhile
    }
  }

  extend(frame) {
    for (const name of ["train", "test"]) {
      const curve = this.curves[name];
      const last = curve.length ? curve[curve.length - 1][0] : -1;
      for (const p of frame[name]) if (p[0] > last) curve.push(p);
      if (curve.length > MAX_CURVE) this.curves[name] = curve.filter((_, i) => i % 2 === 0 || i === curve.length - 1);
    }
  }

  tick(epoch) {
    // frames and epochs a second, smoothed over the last frames, while streaming
    const now = performance.now(), pace = this.pace;
    if (this.socket && pace.last) {
      const dt = Math.max(1, now - pace.last[0]) / 1000, fps = 1 / dt, rate = (epoch - pace.last[1]) / dt;
      pace.fps = pace.fps === null ? fps : 0.85 * pace.fps + 0.15 * fps;
      pace.rate = pace.rate === null ? rate : 0.85 * pace.rate + 0.15 * rate;
    }
    if (!this.socket) pace.fps = pace.rate = null;
    pace.last = [now, epoch];
  }

  async decode(frame) {
    const { grid, map } = this.scene;
    const heatBytes = await bytesOf(frame.grid, grid);
    const mapBytes = await bytesOf(frame.maps, map);
    this.heatBytes = heatBytes;
    this.mapBytes = mapBytes;
  }

  redraw() {
    if (!this.heatBytes || !this.frame || !this.visible) return;
    const { scene, options, table, canvases } = this;
    const width = Math.max(360, this.root.clientWidth || 900);
    const half = (width - 24) / 2;
    const heat = scene.palette
      ? classImage(this.heatBytes, scene.grid, scene, options.discretize, 0.35, canvases.heat)
      : image(this.heatBytes, 0, scene.grid, table, options.discretize, 0.35, canvases.heat);
    drawBoundary(this.parts.boundary, half, this, heat, options.show_test);
    drawCurve(this.parts.curve, half, half - 6, this);
    const maps = [];
    for (let t = 0, offset = 0; offset < this.mapBytes.length; t++, offset += scene.map * scene.map) {
      canvases.maps[t] = canvases.maps[t] || document.createElement("canvas");
      maps.push(image(this.mapBytes, offset, scene.map, table, false, 0, canvases.maps[t]));
    }
    drawNetwork(this.parts.network, width, this, maps);
    const selected = options.selected;
    if (selected) {
      const index = scene.sizes.slice(0, selected[0]).reduce((a, b) => a + b, 0) + selected[1];
      drawBoundary(this.parts["detail-map"], 320, this, maps[index], false);
      this.parts["detail-table"].innerHTML = detailHtml(this);
    }
    this.root.querySelector(".nnviz-detail").style.display = selected ? "flex" : "none";
  }

  stream(data) {
    this.close();
    this.token = data.token;
    const url = new URL(`${data.path}/${data.token}`, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = (this.socket = new WebSocket(url));
    let last = 0, timer = null, waiting = false;
    const ask = () => {
      if (document.hidden) { waiting = true; return; } // a hidden tab asks for nothing: its run rests
      waiting = false;
      timer = setTimeout(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        last = performance.now();
        const curve = this.curves.train;
        ws.send(JSON.stringify({ since: curve.length ? curve[curve.length - 1][0] : -1 }));
      }, Math.max(0, last + data.interval_ms - performance.now()));
    };
    const visible = () => { if (!document.hidden && waiting) ask(); };
    document.addEventListener("visibilitychange", visible);
    ws.onopen = ask;
    ws.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (!frame.stopped) ask();
      if (frame.grid) this.show(frame, false);
      if (frame.stopped) { this.close(); this.rerun(); } // the page's next run says whether to stream again
    };
    ws.onclose = () => {
      if (this.closing || this.socket !== ws) return;
      this.parts.status.insertAdjacentHTML("beforeend", " · <i>live view disconnected: press Pause, then Play</i>");
    };
    this.stopStream = () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", visible);
      ws.close();
    };
    this.closing = false;
  }

  close() {
    this.closing = true;
    if (this.stopStream) this.stopStream();
    this.stopStream = null;
    this.socket = null;
    this.token = null;
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector(".nnviz-live");
  if (!root.nnvizView) root.nnvizView = new LiveView(root);
  const view = root.nnvizView;
  view.send = setTriggerValue; // events to Python: "click" (a point added or removed)
  view.take(data, () => setTriggerValue("stopped", Date.now()));
  return () => view.close(); // unmounted (Pause, another page): the stream ends
}
