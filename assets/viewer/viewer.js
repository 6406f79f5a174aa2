// embedscope viewer: the program of the self-contained HTML page written by src/export/html.
//
// It reads the JSON in #embedscope-data (maps as base64 float32, metadata columns as text,
// each column's colouring as computed in Rust, a PNG sprite of thumbnails, the k-NN graph of
// the original vectors) and draws the points with WebGL (gl.POINTS), or with a canvas 2-D
// fallback when WebGL is missing (or when the URL says ?renderer=canvas). No network.
//
// Interaction: switch maps; drag to pan (2-D) or rotate (3-D; shift-drag pans), wheel to zoom;
// hover a point for its metadata and thumbnail; click for its nearest neighbours; colour by
// any column, click legend entries to hide them (shift/alt-click to isolate); search.
// window.embedscope is a read-only view of the state for tests.
(function () {
  'use strict';

  const DATA = JSON.parse(document.getElementById('embedscope-data').textContent);
  const N = DATA.n;
  const $ = (id) => document.getElementById(id);

  // ---- Decoding -------------------------------------------------------------------------
  function bytes(b64) {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  const float32s = (b64) => new Float32Array(bytes(b64).buffer);
  const uint16s = (b64) => new Uint16Array(bytes(b64).buffer);
  const uint32s = (b64) => new Uint32Array(bytes(b64).buffer);
  function rgbOf(hex) {
    return [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  }

  // Each map centred on its bounding box and scaled into [-1, 1], always with 3 coordinates.
  const maps = DATA.maps.map((m) => {
    const raw = float32s(m.coords);
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < N; i++) {
      for (let d = 0; d < m.dims; d++) {
        const v = raw[i * m.dims + d];
        if (v < lo[d]) lo[d] = v;
        if (v > hi[d]) hi[d] = v;
      }
    }
    let half = 0;
    for (let d = 0; d < m.dims; d++) half = Math.max(half, (hi[d] - lo[d]) / 2);
    const scale = half > 0 ? 1 / half : 1;
    const pos = new Float32Array(N * 3);
    for (let i = 0; i < N; i++) {
      for (let d = 0; d < m.dims; d++) {
        pos[i * 3 + d] = (raw[i * m.dims + d] - (lo[d] + hi[d]) / 2) * scale;
      }
    }
    return { name: m.name, caption: m.caption, dims: m.dims, pos: pos, view: null };
  });

  // Per colouring: a function from point to RGB, and its legend entries (categorical only).
  function colouringOf(c) {
    if (c.type === 'single') {
      const rgb = rgbOf(c.colour);
      return { c: c, classes: null, rgb: () => rgb };
    }
    if (c.type === 'categorical') {
      const ofPoint = uint16s(c.of_point);
      const classes = c.classes.map((k) => Object.assign({ rgb: rgbOf(k.colour) }, k));
      return { c: c, classes: classes, ofPoint: ofPoint, rgb: (i) => classes[ofPoint[i]].rgb };
    }
    const rgb = bytes(c.rgb);
    return { c: c, classes: null, rgb: (i) => [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]] };
  }
  const columns = DATA.columns.map((col) => ({
    name: col.name,
    kind: col.kind,
    values: col.values,
    colouring: colouringOf(col.colouring),
  }));
  const single = colouringOf(DATA.single);

  let thumbs = null; // { width, height, perSide, image } once the sprite is decoded
  const neighbourGraph = DATA.neighbors && {
    k: DATA.neighbors.k,
    search: DATA.neighbors.search,
    indices: uint32s(DATA.neighbors.indices),
    distances: float32s(DATA.neighbors.distances),
  };

  // ---- State ----------------------------------------------------------------------------
  const state = {
    map: 0,
    colourBy: DATA.colour_by, // index into columns, or null
    labelBy: DATA.label_by, // the column that names the points, or null (their number)
    hidden: new Set(), // hidden class indices of the current categorical colouring
    query: '',
    matches: null, // Uint8Array of 0/1 while a search is active
    matchCount: 0,
    selected: -1,
    neighbours: [], // indices, nearest first, of the selected point
    hits: [], // the first MAX_HITS search hits, in point order
    hovered: -1,
    drawn: 0,
  };
  const DIM_ALPHA = 0.25;
  const HOVER_RADIUS = 8; // CSS pixels
  const MAX_HITS = 200; // search hits listed (and ringed, when there are no more)
  const baseSize = N > 40000 ? 2.5 : N > 5000 ? 3.5 : 5;

  function colouring() {
    return state.colourBy === null ? single : columns[state.colourBy].colouring;
  }
  function freshView() {
    return { zoom: 1, tx: 0, ty: 0, yaw: 0.6, pitch: 0.35 };
  }
  maps.forEach((m) => { m.view = freshView(); });

  // ---- Geometry: normalised coordinates -> CSS pixels -----------------------------------
  const stage = $('stage');
  // The points' canvas; replaced by a fresh one if the WebGL context is lost (a canvas that
  // held a WebGL context cannot give a 2-D one).
  let canvas = $('points');
  const overlay = $('overlay');
  let W = 1;
  let H = 1;

  // Rows of the 3x4 affine map from a point's normalised coordinates to (x px, y px, depth).
  function transform() {
    const m = maps[state.map];
    const v = m.view;
    let r = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    if (m.dims === 3) {
      const cy = Math.cos(v.yaw), sy = Math.sin(v.yaw);
      const cp = Math.cos(v.pitch), sp = Math.sin(v.pitch);
      // Rotation about y (yaw), then about x (pitch).
      r = [cy, 0, sy, sp * sy, cp, -sp * cy, -cp * sy, sp, cp * cy];
    }
    const base = 0.45 * Math.min(W, H) * v.zoom;
    return [
      [base * r[0], base * r[1], base * r[2], W / 2 + 0.45 * Math.min(W, H) * v.tx],
      [-base * r[3], -base * r[4], -base * r[5], H / 2 - 0.45 * Math.min(W, H) * v.ty],
      [r[6] / 2, r[7] / 2, r[8] / 2, 0],
    ];
  }
  function project(t, pos, i, out) {
    const x = pos[3 * i], y = pos[3 * i + 1], z = pos[3 * i + 2];
    out[0] = t[0][0] * x + t[0][1] * y + t[0][2] * z + t[0][3];
    out[1] = t[1][0] * x + t[1][1] * y + t[1][2] * z + t[1][3];
    out[2] = t[2][0] * x + t[2][1] * y + t[2][2] * z + t[2][3];
    return out;
  }

  // ---- What to draw: two layers of visible points ---------------------------------------
  // base: every visible point (dimmed when something is emphasised); top: the emphasised
  // points (search matches, or the selection and its neighbours), drawn larger, on top.
  let layers = { base: new Uint32Array(0), top: new Uint32Array(0), dim: false };
  const colours = new Uint8Array(N * 4);

  function visible(i) {
    const col = colouring();
    return !(col.classes && state.hidden.has(col.ofPoint[i]));
  }
  function rebuild() {
    const col = colouring();
    let emphasis = null;
    if (state.selected >= 0) {
      // The selection and its neighbours, and the search hits still.
      emphasis = state.matches ? state.matches.slice() : new Uint8Array(N);
      emphasis[state.selected] = 1;
      state.neighbours.forEach((j) => { emphasis[j] = 1; });
    } else if (state.matches) {
      emphasis = state.matches;
    }
    const base = [];
    const top = [];
    for (let i = 0; i < N; i++) {
      if (!visible(i)) continue;
      const rgb = col.rgb(i);
      colours[4 * i] = rgb[0];
      colours[4 * i + 1] = rgb[1];
      colours[4 * i + 2] = rgb[2];
      colours[4 * i + 3] = 255;
      if (emphasis && emphasis[i]) top.push(i);
      else base.push(i);
    }
    layers = { base: Uint32Array.from(base), top: Uint32Array.from(top), dim: emphasis !== null };
    state.drawn = base.length + top.length;
    renderer.upload();
    requestDraw();
  }

  // ---- Renderers ------------------------------------------------------------------------
  function webglRenderer() {
    const gl = canvas.getContext('webgl', { antialias: false, alpha: false, premultipliedAlpha: false });
    if (!gl) return null;
    canvas.addEventListener('webglcontextlost', (e) => {
      e.preventDefault();
      useCanvasRenderer('the WebGL context was lost');
    }, { once: true });
    const compile = (type, src) => {
      const s = gl.createShader(type);
      gl.shaderSource(s, src);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
      return s;
    };
    const program = gl.createProgram();
    gl.attachShader(program, compile(gl.VERTEX_SHADER,
      'attribute vec3 a_pos; attribute vec4 a_col;' +
      'uniform mat4 u_m; uniform float u_size; uniform float u_alpha; varying vec4 v_col;' +
      'void main() { gl_Position = u_m * vec4(a_pos, 1.0); gl_PointSize = u_size;' +
      ' v_col = vec4(a_col.rgb, a_col.a * u_alpha); }'));
    gl.attachShader(program, compile(gl.FRAGMENT_SHADER,
      'precision mediump float; varying vec4 v_col;' +
      'void main() { vec2 d = gl_PointCoord - 0.5; if (dot(d, d) > 0.25) discard;' +
      ' gl_FragColor = v_col; }'));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(program));
    const loc = {
      pos: gl.getAttribLocation(program, 'a_pos'),
      col: gl.getAttribLocation(program, 'a_col'),
      m: gl.getUniformLocation(program, 'u_m'),
      size: gl.getUniformLocation(program, 'u_size'),
      alpha: gl.getUniformLocation(program, 'u_alpha'),
    };
    const buffers = { base: makeLayer(), top: makeLayer() };
    function makeLayer() {
      return { pos: gl.createBuffer(), col: gl.createBuffer(), count: 0 };
    }
    function fill(layer, indices) {
      const pos = maps[state.map].pos;
      const p = new Float32Array(indices.length * 3);
      const c = new Uint8Array(indices.length * 4);
      for (let k = 0; k < indices.length; k++) {
        const i = indices[k];
        p[3 * k] = pos[3 * i]; p[3 * k + 1] = pos[3 * i + 1]; p[3 * k + 2] = pos[3 * i + 2];
        c[4 * k] = colours[4 * i]; c[4 * k + 1] = colours[4 * i + 1];
        c[4 * k + 2] = colours[4 * i + 2]; c[4 * k + 3] = colours[4 * i + 3];
      }
      gl.bindBuffer(gl.ARRAY_BUFFER, layer.pos);
      gl.bufferData(gl.ARRAY_BUFFER, p, gl.STATIC_DRAW);
      gl.bindBuffer(gl.ARRAY_BUFFER, layer.col);
      gl.bufferData(gl.ARRAY_BUFFER, c, gl.STATIC_DRAW);
      layer.count = indices.length;
    }
    function drawLayer(layer, size, alpha, depth) {
      if (layer.count === 0) return;
      if (depth) gl.enable(gl.DEPTH_TEST); else gl.disable(gl.DEPTH_TEST);
      gl.uniform1f(loc.size, size);
      gl.uniform1f(loc.alpha, alpha);
      gl.bindBuffer(gl.ARRAY_BUFFER, layer.pos);
      gl.vertexAttribPointer(loc.pos, 3, gl.FLOAT, false, 0, 0);
      gl.bindBuffer(gl.ARRAY_BUFFER, layer.col);
      gl.vertexAttribPointer(loc.col, 4, gl.UNSIGNED_BYTE, true, 0, 0);
      gl.drawArrays(gl.POINTS, 0, layer.count);
    }
    return {
      name: 'webgl',
      upload() {
        fill(buffers.base, layers.base);
        fill(buffers.top, layers.top);
      },
      draw() {
        const dpr = window.devicePixelRatio || 1;
        gl.viewport(0, 0, canvas.width, canvas.height);
        gl.clearColor(1, 1, 1, 1);
        gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
        gl.useProgram(program);
        gl.enableVertexAttribArray(loc.pos);
        gl.enableVertexAttribArray(loc.col);
        gl.enable(gl.BLEND);
        gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
        // Pixel space to clip space, after the affine transform (column-major mat4).
        const t = transform();
        const sx = 2 / W, sy = -2 / H;
        gl.uniformMatrix4fv(loc.m, false, new Float32Array([
          t[0][0] * sx, t[1][0] * sy, -t[2][0], 0,
          t[0][1] * sx, t[1][1] * sy, -t[2][1], 0,
          t[0][2] * sx, t[1][2] * sy, -t[2][2], 0,
          t[0][3] * sx - 1, t[1][3] * sy + 1, -t[2][3], 1,
        ]));
        const is3d = maps[state.map].dims === 3;
        drawLayer(buffers.base, baseSize * dpr, layers.dim ? DIM_ALPHA : 1, is3d && !layers.dim);
        drawLayer(buffers.top, (baseSize + 2) * dpr, 1, is3d);
      },
      pixelAt(x, y) {
        this.draw();
        const dpr = window.devicePixelRatio || 1;
        const out = new Uint8Array(4);
        gl.readPixels(Math.round(x * dpr), canvas.height - 1 - Math.round(y * dpr), 1, 1,
          gl.RGBA, gl.UNSIGNED_BYTE, out);
        return Array.from(out);
      },
    };
  }

  function canvasRenderer() {
    const ctx = canvas.getContext('2d');
    return {
      name: 'canvas',
      upload() {},
      draw() {
        const dpr = window.devicePixelRatio || 1;
        const img = ctx.createImageData(canvas.width, canvas.height);
        const px = img.data;
        px.fill(255);
        const t = transform();
        const p = [0, 0, 0];
        const pos = maps[state.map].pos;
        const plot = (indices, size, alpha) => {
          const s = Math.max(1, Math.round(size * dpr));
          for (let k = 0; k < indices.length; k++) {
            const i = indices[k];
            project(t, pos, i, p);
            const x0 = Math.round(p[0] * dpr - s / 2), y0 = Math.round(p[1] * dpr - s / 2);
            for (let y = Math.max(0, y0); y < Math.min(canvas.height, y0 + s); y++) {
              for (let x = Math.max(0, x0); x < Math.min(canvas.width, x0 + s); x++) {
                const o = 4 * (y * canvas.width + x);
                for (let c = 0; c < 3; c++) px[o + c] += (colours[4 * i + c] - px[o + c]) * alpha;
              }
            }
          }
        };
        plot(layers.base, baseSize, layers.dim ? DIM_ALPHA : 1);
        plot(layers.top, baseSize + 2, 1);
        ctx.putImageData(img, 0, 0);
      },
      pixelAt(x, y) {
        this.draw();
        const dpr = window.devicePixelRatio || 1;
        return Array.from(ctx.getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data);
      },
    };
  }

  // Swaps in a fresh canvas drawn by the 2-D renderer, saying why in the status line.
  let rendererNote = '';
  function freshCanvas() {
    const fresh = canvas.cloneNode(false);
    canvas.replaceWith(fresh);
    canvas = fresh;
  }
  function useCanvasRenderer(reason) {
    console.warn(reason + '; drawing with canvas 2-D');
    freshCanvas();
    bindPointer(canvas);
    renderer = canvasRenderer();
    rendererNote = ' (' + reason + ')';
    showStatus();
    resize();
  }
  function showStatus() {
    $('status').textContent = N.toLocaleString('en') + ' points, ' + renderer.name + rendererNote;
  }

  const wantCanvas = new URLSearchParams(location.search).get('renderer') === 'canvas';
  let renderer = null;
  if (!wantCanvas) {
    try {
      renderer = webglRenderer();
    } catch (e) {
      // The canvas now holds a (broken) WebGL context: draw on a fresh one.
      console.warn('WebGL failed, using canvas 2-D:', e);
      freshCanvas();
      rendererNote = ' (WebGL failed)';
    }
  }
  if (!renderer) renderer = canvasRenderer();

  let drawPending = false;
  function requestDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      renderer.draw();
      drawOverlay();
    });
  }

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    W = Math.max(1, stage.clientWidth);
    H = Math.max(1, stage.clientHeight);
    for (const c of [canvas, overlay]) {
      c.width = Math.round(W * dpr);
      c.height = Math.round(H * dpr);
    }
    requestDraw();
  }

  // Rings around the hovered and the selected point.
  function drawOverlay() {
    const ctx = overlay.getContext('2d');
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const t = transform();
    const p = [0, 0, 0];
    const ring = (i, colour, r) => {
      if (i < 0) return;
      project(t, maps[state.map].pos, i, p);
      ctx.beginPath();
      ctx.arc(p[0], p[1], r, 0, 2 * Math.PI);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.stroke();
    };
    // Every hit is ringed while there are few enough to tell apart.
    if (state.matches && state.matchCount <= MAX_HITS) {
      for (const i of state.hits) if (visible(i)) ring(i, '#ff7f0e', 6);
    }
    ring(state.selected, '#d62728', 8);
    ring(state.hovered, '#222', 6);
    drawNames(ctx, t);
  }

  // Names on the map: the points in view nearest its centre first, up to MAX_NAMES tried,
  // each beside its point (or farther out with a leader line) where it overlaps no other name;
  // so all of a small map is named, and a big one more and more as it is zoomed in.
  const MAX_NAMES = 300;
  let drawnNames = [];
  function drawNames(ctx, t) {
    drawnNames = [];
    if (state.labelBy === null) return;
    const names = columns[state.labelBy].values;
    const pos = maps[state.map].pos;
    const p = [0, 0, 0];
    const inView = [];
    for (let i = 0; i < N; i++) {
      if (names[i] === null || !visible(i)) continue;
      project(t, pos, i, p);
      if (p[0] < 0 || p[1] < 0 || p[0] > W || p[1] > H) continue;
      inView.push([(p[0] - W / 2) ** 2 + (p[1] - H / 2) ** 2, i, p[0], p[1]]);
    }
    inView.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    ctx.font = '12px "DejaVu Sans", Verdana, sans-serif';
    ctx.textBaseline = 'top';
    const h = 14;
    const boxes = [];
    const free = (b) => b.x0 >= 0 && b.y0 >= 0 && b.x1 <= W && b.y1 <= H &&
      !boxes.some((o) => b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1);
    for (const [, i, x, y] of inView.slice(0, MAX_NAMES)) {
      const w = ctx.measureText(names[i]).width + 4;
      let spot = null;
      for (const g of [5, 14]) {
        for (const [bx, by] of [[x + g, y - h / 2], [x - g - w, y - h / 2], [x - w / 2, y - g - h], [x - w / 2, y + g]]) {
          const b = { x0: bx, y0: by, x1: bx + w, y1: by + h };
          if (free(b)) { spot = { b: b, leader: g > 5 }; break; }
        }
        if (spot) break;
      }
      if (!spot) continue;
      boxes.push(spot.b);
      drawnNames.push({ index: i, text: names[i], box: spot.b });
      const b = spot.b;
      if (spot.leader) {
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.lineTo(Math.max(b.x0, Math.min(x, b.x1)), Math.max(b.y0, Math.min(y, b.y1)));
        ctx.strokeStyle = '#5f5f5f';
        ctx.lineWidth = 1;
        ctx.stroke();
      }
      ctx.fillStyle = 'rgba(255, 255, 255, 0.75)';
      ctx.fillRect(b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
      ctx.fillStyle = '#222';
      ctx.fillText(names[i], b.x0 + 2, b.y0 + 1);
    }
  }

  // ---- Picking --------------------------------------------------------------------------
  // The visible point nearest to (x, y) within HOVER_RADIUS, emphasised points first; -1 if none.
  function pick(x, y) {
    const t = transform();
    const pos = maps[state.map].pos;
    const p = [0, 0, 0];
    for (const indices of [layers.top, layers.base]) {
      let best = -1;
      let bestD = HOVER_RADIUS * HOVER_RADIUS;
      let bestZ = Infinity;
      for (let k = 0; k < indices.length; k++) {
        const i = indices[k];
        project(t, pos, i, p);
        const d = (p[0] - x) * (p[0] - x) + (p[1] - y) * (p[1] - y);
        if (d < bestD || (d === bestD && -p[2] < bestZ)) { best = i; bestD = d; bestZ = -p[2]; }
      }
      if (best >= 0) return best;
    }
    return -1;
  }

  // ---- Metadata cards (tooltip and selection) -------------------------------------------
  function fillMeta(table, i) {
    table.textContent = '';
    const row = (name, value) => {
      const tr = table.insertRow();
      tr.insertCell().textContent = name;
      const td = tr.insertCell();
      if (value === null) { td.textContent = '(missing)'; td.className = 'muted'; } else td.textContent = value;
    };
    // The point's name first, then its number, then the other columns.
    if (state.labelBy !== null) row(columns[state.labelBy].name, columns[state.labelBy].values[i]);
    row('point', '#' + i);
    columns.forEach((c, k) => { if (k !== state.labelBy) row(c.name, c.values[i]); });
  }
  function drawThumb(target, i) {
    if (!thumbs) { target.hidden = true; return; }
    const scale = Math.max(1, Math.round(84 / Math.max(thumbs.width, thumbs.height)));
    target.width = thumbs.width * scale;
    target.height = thumbs.height * scale;
    const ctx = target.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    const sx = (i % thumbs.perSide) * thumbs.width;
    const sy = Math.floor(i / thumbs.perSide) * thumbs.height;
    ctx.drawImage(thumbs.image, sx, sy, thumbs.width, thumbs.height, 0, 0, target.width, target.height);
    target.hidden = false;
  }

  const tooltip = $('tooltip');
  function showTooltip(i, x, y) {
    if (i < 0) { tooltip.hidden = true; return; }
    fillMeta($('tooltip-meta'), i);
    drawThumb($('tooltip-thumb'), i);
    tooltip.hidden = false;
    const left = x + 14 + tooltip.offsetWidth > W ? x - 14 - tooltip.offsetWidth : x + 14;
    const top = y + 14 + tooltip.offsetHeight > H ? y - 14 - tooltip.offsetHeight : y + 14;
    tooltip.style.left = Math.max(0, left) + 'px';
    tooltip.style.top = Math.max(0, top) + 'px';
  }

  // What a point is called: its name, or its number.
  function pointName(i) {
    const v = state.labelBy !== null ? columns[state.labelBy].values[i] : null;
    return v !== null ? v : '#' + i;
  }
  // The colour column's value of point i, when it says more than the name.
  function colourValue(i) {
    if (state.colourBy === null || state.colourBy === state.labelBy) return '';
    const v = columns[state.colourBy].values[i];
    return v !== null ? v : '';
  }

  function select(i) {
    state.selected = i;
    state.neighbours = [];
    const section = $('selection');
    if (i < 0) {
      section.hidden = true;
      rebuild();
      return;
    }
    $('selection-title').textContent = state.labelBy !== null ? pointName(i) + ' (#' + i + ')' : 'Point #' + i;
    fillMeta($('selection-meta'), i);
    drawThumb($('selection-thumb'), i);
    const list = $('neighbours');
    list.textContent = '';
    if (neighbourGraph) {
      const k = neighbourGraph.k;
      $('neighbours-title').textContent =
        k + ' nearest neighbours in the original space (' + neighbourGraph.search + ')';
      for (let r = 0; r < k; r++) {
        const j = neighbourGraph.indices[i * k + r];
        state.neighbours.push(j);
        const li = document.createElement('li');
        const b = document.createElement('button');
        b.type = 'button';
        b.dataset.index = String(j);
        const name = document.createElement('span');
        name.textContent = pointName(j) + (colourValue(j) ? ' (' + colourValue(j) + ')' : '');
        const dist = document.createElement('span');
        dist.className = 'distance';
        dist.textContent = formatNumber(neighbourGraph.distances[i * k + r]);
        b.append(name, dist);
        b.addEventListener('click', () => select(j));
        b.addEventListener('mouseenter', () => { state.hovered = j; requestDraw(); });
        b.addEventListener('mouseleave', () => { state.hovered = -1; requestDraw(); });
        li.append(b);
        list.append(li);
      }
    } else {
      $('neighbours-title').textContent = 'No neighbour graph in this page';
    }
    section.hidden = false;
    rebuild();
  }

  function formatNumber(v) {
    return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3);
  }

  // ---- Controls: maps, colour-by, legend, search ----------------------------------------
  function showMap(k) {
    state.map = k;
    Array.from($('maps').children).forEach((b, j) => b.setAttribute('aria-selected', String(j === k)));
    $('caption').textContent = maps[k].caption;
    $('hint').textContent = maps[k].dims === 3
      ? 'Drag to rotate, shift-drag to pan, wheel to zoom.'
      : 'Drag to pan, wheel to zoom.';
    rebuild();
  }
  maps.forEach((m, k) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('role', 'tab');
    b.textContent = m.name;
    b.addEventListener('click', () => showMap(k));
    $('maps').append(b);
  });
  $('reset').addEventListener('click', () => {
    maps[state.map].view = freshView();
    requestDraw();
  });

  const colourSelect = $('colour-by');
  colourSelect.append(new Option('(none)', ''));
  columns.forEach((c, k) => colourSelect.append(new Option(c.name, String(k))));
  colourSelect.value = state.colourBy === null ? '' : String(state.colourBy);
  colourSelect.addEventListener('change', () => {
    state.colourBy = colourSelect.value === '' ? null : Number(colourSelect.value);
    state.hidden = new Set();
    showLegend();
    // The neighbour list shows the colour column's values: follow the change.
    if (state.selected >= 0) select(state.selected);
    else rebuild();
  });

  function showLegend() {
    const legend = $('legend');
    legend.textContent = '';
    const col = colouring();
    if (col.c.type === 'continuous') {
      const bar = document.createElement('canvas');
      bar.className = 'bar';
      bar.width = col.c.bar.length;
      bar.height = 1;
      const ctx = bar.getContext('2d');
      col.c.bar.forEach((hex, k) => { ctx.fillStyle = hex; ctx.fillRect(k, 0, 1, 1); });
      const ends = document.createElement('div');
      ends.className = 'ends';
      for (const v of [col.c.min, col.c.max]) {
        const s = document.createElement('span');
        s.textContent = formatNumber(v);
        ends.append(s);
      }
      legend.append(bar, ends);
      if (col.c.missing > 0) {
        const m = document.createElement('p');
        m.className = 'muted';
        m.textContent = '(missing): ' + col.c.missing.toLocaleString('en') + ', in grey';
        legend.append(m);
      }
      return;
    }
    if (!col.classes) return;
    const ul = document.createElement('ul');
    col.classes.forEach((cls, k) => {
      const li = document.createElement('li');
      li.dataset.class = String(k);
      if (state.hidden.has(k)) li.className = 'hidden';
      const b = document.createElement('button');
      b.type = 'button';
      b.title = 'Click to hide or show; shift- or alt-click to show only this';
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = cls.colour;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = cls.name;
      const count = document.createElement('span');
      count.className = 'count';
      count.textContent = cls.count.toLocaleString('en');
      b.append(sw, name, count);
      b.addEventListener('click', (e) => {
        if (e.shiftKey || e.altKey) isolate(k);
        else if (state.hidden.has(k)) state.hidden.delete(k);
        else state.hidden.add(k);
        showLegend();
        rebuild();
      });
      li.append(b);
      ul.append(li);
    });
    legend.append(ul);
    const actions = document.createElement('div');
    actions.className = 'actions';
    const all = document.createElement('button');
    all.type = 'button';
    all.textContent = 'Show all';
    all.addEventListener('click', () => { state.hidden = new Set(); showLegend(); rebuild(); });
    actions.append(all);
    legend.append(actions);
  }
  // Shows class k only; if it already is the only one shown, shows all.
  function isolate(k) {
    const n = colouring().classes.length;
    const alone = !state.hidden.has(k) && state.hidden.size === n - 1;
    state.hidden = new Set();
    if (!alone) for (let j = 0; j < n; j++) if (j !== k) state.hidden.add(j);
  }

  // Search: one column or all, substring, exact value or regular expression (case-insensitive);
  // the hits are emphasised and ringed, listed (click: select and centre), Enter selects the
  // first, and they stay emphasised while a point is selected.
  const searchColumn = $('search-column');
  columns.forEach((c, k) => searchColumn.append(new Option(c.name, String(k))));
  const example = (() => {
    const k = state.labelBy !== null ? state.labelBy : state.colourBy !== null ? state.colourBy : 0;
    const c = columns[k];
    const v = c ? c.values.find((x) => x !== null) : undefined;
    return v === undefined ? '' : v;
  })();
  $('search').placeholder = example === '' ? 'search' : 'e.g. ' + example;
  let searchTimer = 0;
  const searchLater = () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, 120);
  };
  $('search').addEventListener('input', searchLater);
  searchColumn.addEventListener('change', search);
  $('search-mode').addEventListener('change', search);
  $('search').addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    clearTimeout(searchTimer);
    search();
    if (state.hits.length) { select(state.hits[0]); centre(state.hits[0]); }
  });
  // The test of a value against the query, or a message saying why there is none.
  function matcher(q, mode) {
    if (mode === 'regex') {
      try {
        const re = new RegExp(q, 'i');
        return { test: (v) => re.test(v) };
      } catch (e) {
        return { error: 'not a regular expression: ' + e.message };
      }
    }
    const ql = q.toLowerCase();
    return { test: mode === 'exact' ? (v) => v.toLowerCase() === ql : (v) => v.toLowerCase().includes(ql) };
  }
  function search() {
    const q = $('search').value.trim();
    state.query = q;
    state.hits = [];
    const list = $('search-hits');
    list.textContent = '';
    const m = q ? matcher(q, $('search-mode').value) : null;
    if (!m || m.error) {
      state.matches = null;
      state.matchCount = 0;
      $('search-count').textContent = m ? m.error : '';
      rebuild();
      return;
    }
    const searched = searchColumn.value === '' ? columns : [columns[Number(searchColumn.value)]];
    const matches = new Uint8Array(N);
    let count = 0;
    for (let i = 0; i < N; i++) {
      for (const c of searched) {
        const v = c.values[i];
        if (v !== null && m.test(v)) {
          matches[i] = 1;
          count++;
          if (state.hits.length < MAX_HITS) state.hits.push(i);
          break;
        }
      }
    }
    state.matches = matches;
    state.matchCount = count;
    $('search-count').textContent = count.toLocaleString('en') + ' of ' + N.toLocaleString('en') +
      ' points match' + (count > MAX_HITS ? ' (the first ' + MAX_HITS + ' listed)' : '');
    for (const i of state.hits) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.index = String(i);
      b.textContent = pointName(i) + (colourValue(i) ? ' (' + colourValue(i) + ')' : '');
      b.addEventListener('click', () => { select(i); centre(i); });
      li.append(b);
      list.append(li);
    }
    rebuild();
  }
  // Pans the current map so that point i is in the middle.
  function centre(i) {
    const v = maps[state.map].view;
    const p = project(transform(), maps[state.map].pos, i, [0, 0, 0]);
    const unit = 0.45 * Math.min(W, H);
    v.tx -= (p[0] - W / 2) / unit;
    v.ty += (p[1] - H / 2) / unit;
    requestDraw();
  }

  // ---- Mouse ----------------------------------------------------------------------------
  let drag = null;
  function local(e) {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }
  // Pan, rotate, zoom, hover and select on the points' canvas `el`.
  function bindPointer(el) {
    el.addEventListener('pointerdown', (e) => {
      const [x, y] = local(e);
      drag = { x: x, y: y, x0: x, y0: y, moved: false, pan: e.shiftKey || e.button === 2 };
      el.setPointerCapture(e.pointerId);
    });
    el.addEventListener('pointermove', (e) => {
      const [x, y] = local(e);
      if (drag) {
        const dx = x - drag.x, dy = y - drag.y;
        if (Math.abs(x - drag.x0) + Math.abs(y - drag.y0) > 3) drag.moved = true;
        drag.x = x; drag.y = y;
        if (!drag.moved) return;
        const m = maps[state.map];
        if (m.dims === 3 && !drag.pan) {
          m.view.yaw += dx * 0.01;
          m.view.pitch = Math.max(-1.5, Math.min(1.5, m.view.pitch + dy * 0.01));
        } else {
          const unit = 0.45 * Math.min(W, H);
          m.view.tx += dx / unit;
          m.view.ty -= dy / unit;
        }
        tooltip.hidden = true;
        requestDraw();
        return;
      }
      hover(x, y);
    });
    el.addEventListener('pointerup', (e) => {
      const d = drag;
      drag = null;
      if (d && !d.moved) {
        const [x, y] = local(e);
        select(pick(x, y));
      }
    });
    el.addEventListener('pointerleave', () => {
      state.hovered = -1;
      tooltip.hidden = true;
      requestDraw();
    });
    el.addEventListener('contextmenu', (e) => e.preventDefault());
    el.addEventListener('wheel', (e) => {
      e.preventDefault();
      const [x, y] = local(e);
      const v = maps[state.map].view;
      const unit = 0.45 * Math.min(W, H);
      const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
      const zoom = Math.max(0.2, Math.min(500, v.zoom * factor));
      // Keep the point under the cursor in place.
      const ux = (x - W / 2) / unit, uy = (H / 2 - y) / unit;
      v.tx = ux - (ux - v.tx) * (zoom / v.zoom);
      v.ty = uy - (uy - v.ty) * (zoom / v.zoom);
      v.zoom = zoom;
      hover(x, y);
      requestDraw();
    }, { passive: false });
  }
  bindPointer(canvas);
  function hover(x, y) {
    const i = pick(x, y);
    if (i !== state.hovered) {
      state.hovered = i;
      requestDraw();
    }
    showTooltip(i, x, y);
  }
  $('clear-selection').addEventListener('click', () => select(-1));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && document.activeElement !== $('search')) select(-1);
  });

  // ---- Start ----------------------------------------------------------------------------
  $('title').textContent = DATA.title;
  $('subtitle').textContent = DATA.subtitle;
  window.addEventListener('resize', resize);
  resize();
  showLegend();
  showMap(0);
  showStatus();

  let ready = !DATA.thumbnails;
  if (DATA.thumbnails) {
    const t = DATA.thumbnails;
    createImageBitmap(new Blob([bytes(t.png)], { type: 'image/png' })).then((image) => {
      thumbs = { width: t.width, height: t.height, perSide: t.per_side, image: image };
      ready = true;
    }, (e) => {
      console.error('the thumbnails could not be decoded:', e);
      ready = true;
    });
  }

  // Read-only view of the state for tests (and the curious).
  const hooks = {
    get ready() { return ready; },
    get renderer() { return renderer.name; },
    get n() { return N; },
    get drawn() { return state.drawn; },
    get maps() { return maps.map((m) => m.name); },
    get map() { return maps[state.map].name; },
    get colourBy() { return state.colourBy === null ? null : columns[state.colourBy].name; },
    get labelBy() { return state.labelBy === null ? null : columns[state.labelBy].name; },
    get visibleClasses() {
      const col = colouring();
      return col.classes ? col.classes.filter((_, k) => !state.hidden.has(k)).map((c) => c.name) : null;
    },
    get matches() { return state.matches ? state.matchCount : null; },
    get hits() { return state.hits.slice(); },
    // The names drawn on the map: { index, text, box } in canvas (CSS pixel) coordinates.
    get names() { return drawnNames.map((d) => ({ index: d.index, text: d.text, box: Object.assign({}, d.box) })); },
    get hovered() { return state.hovered; },
    get selected() { return state.selected; },
    get neighbours() { return state.neighbours.slice(); },
    // Where point i is drawn, in page (client) coordinates.
    screenOf(i) {
      const p = project(transform(), maps[state.map].pos, i, [0, 0, 0]);
      const r = canvas.getBoundingClientRect();
      return { x: r.left + p[0], y: r.top + p[1] };
    },
    // Where every point is drawn: [x0, y0, x1, y1, ...] in page (client) coordinates.
    screenPositions() {
      const t = transform();
      const pos = maps[state.map].pos;
      const r = canvas.getBoundingClientRect();
      const p = [0, 0, 0];
      const out = new Array(2 * N);
      for (let i = 0; i < N; i++) {
        project(t, pos, i, p);
        out[2 * i] = r.left + p[0];
        out[2 * i + 1] = r.top + p[1];
      }
      return out;
    },
    // The colour drawn at client position (x, y), as [r, g, b, a].
    pixelAt(x, y) {
      const r = canvas.getBoundingClientRect();
      return renderer.pixelAt(x - r.left, y - r.top);
    },
  };
  Object.defineProperty(window, 'embedscope', { value: Object.freeze(hooks), writable: false });
})();
