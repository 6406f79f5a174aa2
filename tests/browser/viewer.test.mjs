// Browser tests of embedscope's HTML viewer, in headless Chromium driven by playwright-core
// (run by scripts/browser_test.sh; `node --test viewer.test.mjs`).
//
// Environment:
//   PAGE      the page to test (required);
//   EXPECTED  expected.json written beside it by `examples/html_fixture.rs` (optional: without
//             it, only what holds for any page is checked);
//   OUT_DIR   where to put screenshots (default: a temporary directory);
//   CHROMIUM  the browser (default /usr/bin/chromium).
// The page is opened from file:// with every network request refused; the tests act through
// real mouse and keyboard events and read the page's read-only window.embedscope hooks.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const PAGE = process.env.PAGE && resolve(process.env.PAGE);
if (!PAGE) throw new Error('set PAGE to the HTML page to test');
const PAGE_URL = pathToFileURL(PAGE).href;
const EXPECTED = process.env.EXPECTED ? JSON.parse(readFileSync(process.env.EXPECTED, 'utf8')) : null;
const OUT_DIR = process.env.OUT_DIR || mkdtempSync(join(tmpdir(), 'embedscope-browser-'));
mkdirSync(OUT_DIR, { recursive: true });
const VIEWPORT = { width: 1200, height: 800 };

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      // ANGLE's SwiftShader: with --use-gl=swiftshader about 40% of loads lost the context.
      '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-quic',
      '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync',
    ],
  });
});
after(async () => { await browser?.close(); });

// Opens the page offline; returns { page, errors, requests, loadMs }.
async function open(query = '') {
  const context = await browser.newContext({ viewport: VIEWPORT, offline: true });
  const requests = [];
  // Everything but the page itself is refused (and would show in `requests`).
  await context.route('**/*', (route) => (route.request().url() === PAGE_URL + query ? route.continue() : route.abort()));
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  const t0 = Date.now();
  await page.goto(PAGE_URL + query, { timeout: 120000 });
  await page.waitForFunction(() => window.embedscope && window.embedscope.ready, null, { timeout: 120000 });
  const loadMs = Date.now() - t0;
  return { page, errors, requests, loadMs };
}

const hooks = (page, f, arg) => page.evaluate(f, arg);

// Indices of drawn points at least `gap` px from every other drawn point, inside the canvas.
async function isolatedPoints(page, gap = 12) {
  // One string crosses the protocol much faster than 140,000 numbers.
  const pts = JSON.parse(await page.evaluate(() => {
    const box = document.getElementById('points').getBoundingClientRect();
    const xy = window.embedscope.screenPositions();
    const drawn = [];
    for (let i = 0; i < xy.length / 2; i++) drawn.push({ x: xy[2 * i], y: xy[2 * i + 1] });
    return JSON.stringify({ box: { l: box.left + 20, t: box.top + 20, r: box.right - 20, b: box.bottom - 20 }, drawn });
  }));
  const cells = new Map();
  const key = (x, y) => Math.floor(x / gap) + ',' + Math.floor(y / gap);
  pts.drawn.forEach((p, i) => {
    const k = key(p.x, p.y);
    if (!cells.has(k)) cells.set(k, []);
    cells.get(k).push(i);
  });
  const out = [];
  pts.drawn.forEach((p, i) => {
    if (p.x < pts.box.l || p.x > pts.box.r || p.y < pts.box.t || p.y > pts.box.b) return;
    const cx = Math.floor(p.x / gap), cy = Math.floor(p.y / gap);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const j of cells.get((cx + dx) + ',' + (cy + dy)) || []) {
          if (j !== i && Math.hypot(pts.drawn[j].x - p.x, pts.drawn[j].y - p.y) < gap) return;
        }
      }
    }
    out.push(i);
  });
  return out;
}

// A point standing alone on screen: zooms in (real wheel events at the canvas centre) until
// some drawn point has no other within `gap` px, as dense pages (70,000 points) need.
async function standAlone(page, gap = 12) {
  const c = await page.$eval('#points', (e) => { const r = e.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; });
  for (let tries = 0; tries < 10; tries++) {
    const found = await isolatedPoints(page, gap);
    if (found.length) return found[0];
    await page.mouse.move(c.x, c.y);
    await page.mouse.wheel(0, -400);
    await page.waitForTimeout(30);
  }
  throw new Error('no point stands alone, even zoomed in');
}

// The colours drawn in the 3x3 pixels around point i.
async function coloursAround(page, i) {
  return page.evaluate((i) => {
    const p = window.embedscope.screenOf(i);
    const out = [];
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) out.push(window.embedscope.pixelAt(p.x + dx, p.y + dy));
    }
    return out;
  }, i);
}
const rgb = (hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
const close = (a, b) => a.every((v, k) => Math.abs(v - b[k]) <= 2);
const isWhite = (c) => close(c.slice(0, 3), [255, 255, 255]);

// Exact k nearest neighbours of point i among the fixture's raw pixels (ties: lower index).
function expectedNeighbours(i) {
  const dims = EXPECTED.dims;
  const px = readFileSync(join(dirname(process.env.EXPECTED), EXPECTED.pixels));
  const n = px.length / dims;
  const d = [];
  for (let j = 0; j < n; j++) {
    if (j === i) continue;
    let s = 0;
    for (let c = 0; c < dims; c++) {
      const v = px[i * dims + c] - px[j * dims + c];
      s += v * v;
    }
    d.push([s, j]);
  }
  d.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return d.slice(0, EXPECTED.k).map(([s, j]) => ({ index: j, distance: Math.sqrt(s) * EXPECTED.pixel_scale }));
}

test('loads offline, draws every point, no console errors, no requests', async () => {
  const { page, errors, requests, loadMs } = await open();
  const s = await hooks(page, () => ({
    n: embedscope.n, drawn: embedscope.drawn, renderer: embedscope.renderer,
    maps: embedscope.maps, map: embedscope.map,
    inPage: performance.now(),
  }));
  console.log(`${PAGE}: ${s.n} points, ready ${loadMs} ms after goto (${Math.round(s.inPage)} ms after navigation start), renderer ${s.renderer}`);
  assert.equal(s.renderer, 'webgl');
  assert.equal(s.drawn, s.n);
  assert.equal(s.map, s.maps[0]);
  if (EXPECTED) {
    assert.equal(s.n, EXPECTED.n);
    assert.deepEqual(s.maps, EXPECTED.maps);
  }
  assert.deepEqual(errors, []);
  assert.deepEqual(requests, [PAGE_URL]);
  await page.context().close();
});

test('hovering a point shows its metadata and thumbnail', async () => {
  const { page, errors } = await open();
  const i = await standAlone(page);
  const p = await hooks(page, (i) => embedscope.screenOf(i), i);
  await page.mouse.move(p.x, p.y);
  assert.equal(await hooks(page, () => embedscope.hovered), i);
  const rows = await page.$$eval('#tooltip-meta tr', (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
  // The point's name (when a column names the points) comes first, then its number.
  const labelBy = await hooks(page, () => embedscope.labelBy);
  const named = labelBy === null ? 0 : 1;
  if (named) assert.equal(rows[0][0], labelBy);
  assert.deepEqual(rows[named], ['point', '#' + i]);
  if (EXPECTED) {
    const o = i % EXPECTED.original;
    assert.deepEqual(rows[0], ['name', `${EXPECTED.labels[o]}-${i}`]);
    assert.deepEqual(rows[2], ['label', String(EXPECTED.labels[o])]);
    // The thumbnail is the point's own digit, dark ink on white.
    const thumb = await page.$eval('#tooltip-thumb', (c) => {
      const s = c.width / 28;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const g = [];
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) g.push(d[4 * ((y * s + s / 2 | 0) * c.width + (x * s + s / 2 | 0))]);
      return { hidden: c.hidden, grey: g };
    });
    assert.equal(thumb.hidden, false);
    const px = readFileSync(join(dirname(process.env.EXPECTED), EXPECTED.pixels));
    const want = Array.from(px.subarray(o * 784, (o + 1) * 784), (v) => 255 - v);
    assert.deepEqual(thumb.grey, want);
  } else {
    assert.ok(rows.length >= 1);
  }
  await page.mouse.move(5, 5);
  assert.equal(await hooks(page, () => embedscope.hovered), -1);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('search highlights matches; metadata with tags and quotes shows as text', async () => {
  const { page, errors } = await open();
  const needle = EXPECTED ? 'alert(1)' : '0';
  await page.fill('#search', needle);
  await page.waitForFunction(() => embedscope.matches !== null);
  const matches = await hooks(page, () => embedscope.matches);
  assert.match(await page.textContent('#search-count'), new RegExp('^' + matches.toLocaleString('en') + ' of '));
  assert.equal(await hooks(page, () => embedscope.drawn), await hooks(page, () => embedscope.n));
  if (EXPECTED) {
    assert.equal(matches, 1, 'point 0 only');
    // Matches are picked first, so hovering point 0 finds it among its neighbours.
    const p = await hooks(page, () => embedscope.screenOf(0));
    await page.mouse.move(p.x, p.y);
    assert.equal(await hooks(page, () => embedscope.hovered), 0);
    const note = await page.$$eval('#tooltip-meta tr', (trs) => trs.find((tr) => tr.cells[0].textContent === 'note').cells[1].textContent);
    assert.equal(note, EXPECTED.notes[0]);
    assert.equal(await page.$$eval('script', (s) => s.length), 2, 'no script element injected');
  }
  await page.fill('#search', '');
  await page.waitForFunction(() => embedscope.matches === null);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('search: one column or all, exact, substring or regex; hits listed, Enter selects and centres', async () => {
  const { page, errors } = await open();
  if (!EXPECTED) {
    // Any page with names: the first point's name, exactly, in the name column, is found and
    // Enter selects a point of that name.
    const labelBy = await hooks(page, () => embedscope.labelBy);
    if (labelBy !== null) {
      const example = (await page.getAttribute('#search', 'placeholder')).replace(/^e\.g\. /, '');
      await page.selectOption('#search-column', { label: labelBy });
      await page.selectOption('#search-mode', 'exact');
      await page.fill('#search', example);
      await page.waitForFunction(() => embedscope.matches !== null);
      assert.ok((await hooks(page, () => embedscope.matches)) >= 1);
      await page.press('#search', 'Enter');
      const title = await page.$eval('#selection-title', (e) => e.textContent);
      assert.ok(title.startsWith(example + ' (#'), `${title} for ${example}`);
    }
    assert.deepEqual(errors, []);
    await page.context().close();
    return;
  }
  const labels = EXPECTED.labels;
  const n = await hooks(page, () => embedscope.n);
  const labelOf = (i) => labels[i % EXPECTED.original];
  // The placeholder's example comes from the data: the first point's name.
  assert.equal(await page.getAttribute('#search', 'placeholder'), `e.g. ${labelOf(0)}-0`);
  // Exactly 7 in the label column: the sevens only (a substring of every column would also
  // match ink values such as 0.17 and names such as 1-17).
  await page.selectOption('#search-column', { label: 'label' });
  await page.selectOption('#search-mode', 'exact');
  await page.fill('#search', '7');
  await page.waitForFunction(() => embedscope.matches !== null);
  const sevens = [...Array(n).keys()].filter((i) => labelOf(i) === 7);
  assert.equal(await hooks(page, () => embedscope.matches), sevens.length);
  const hits = await hooks(page, () => embedscope.hits);
  assert.deepEqual(hits, sevens.slice(0, 200));
  assert.equal(await page.$$eval('#search-hits button', (b) => b.length), hits.length);
  // A regular expression over the names.
  await page.selectOption('#search-column', { label: 'name' });
  await page.selectOption('#search-mode', 'regex');
  await page.fill('#search', '^7-1\\d$');
  await page.waitForFunction(() => embedscope.matches !== null && embedscope.hits.every((i) => i >= 10 && i < 20));
  const teens = [...Array(10).keys()].map((k) => k + 10).filter((i) => labelOf(i) === 7);
  assert.deepEqual(await hooks(page, () => embedscope.hits), teens);
  // Enter selects the first hit and centres it; the hits stay emphasised while it is selected.
  await page.press('#search', 'Enter');
  assert.equal(await hooks(page, () => embedscope.selected), teens[0]);
  const at = await hooks(page, (i) => embedscope.screenOf(i), teens[0]);
  const box = await page.$eval('#points', (c) => { const r = c.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; });
  assert.ok(Math.hypot(at.x - box.x, at.y - box.y) < 2, `centred: ${JSON.stringify(at)} vs ${JSON.stringify(box)}`);
  assert.equal(await hooks(page, () => embedscope.matches), teens.length);
  // Clicking a listed hit selects it; a bad expression says so and matches nothing.
  if (teens.length > 1) {
    await page.click('#search-hits li:nth-child(2) button');
    assert.equal(await hooks(page, () => embedscope.selected), teens[1]);
  }
  await page.fill('#search', '(');
  await page.waitForFunction(() => embedscope.matches === null);
  assert.match(await page.textContent('#search-count'), /not a regular expression/);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('names on the map: central points first, more as it is zoomed in, never overlapping', async () => {
  const { page, errors } = await open();
  if ((await hooks(page, () => embedscope.labelBy)) === null) { await page.context().close(); return; }
  const names = () => hooks(page, () => embedscope.names);
  await page.waitForFunction(() => embedscope.names.length > 0);
  const check = (drawn) => {
    drawn.forEach((a, k) => drawn.slice(0, k).forEach((b) => assert.ok(
      !(a.box.x0 < b.box.x1 && b.box.x0 < a.box.x1 && a.box.y0 < b.box.y1 && b.box.y0 < a.box.y1),
      `${a.text} overlaps ${b.text}`)));
    if (EXPECTED) drawn.forEach((d) => assert.equal(d.text, `${EXPECTED.labels[d.index % EXPECTED.original]}-${d.index}`));
  };
  const before = await names();
  check(before);
  assert.ok(before.length <= 300);
  const n = await hooks(page, () => embedscope.n);
  if (n <= 300) {
    // A small map is named (nearly) entirely.
    assert.ok(before.length >= 0.9 * n, `${before.length} of ${n} named`);
    assert.deepEqual(errors, []);
    await page.context().close();
    return;
  }
  // A big one: zoom in on the middle, and more names find room.
  const c = await page.$eval('#points', (e) => { const r = e.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; });
  await page.mouse.move(c.x, c.y);
  for (let k = 0; k < 6; k++) await page.mouse.wheel(0, -300);
  await page.waitForFunction((n) => embedscope.names.length > n, before.length, { timeout: 10000 });
  const after = await names();
  check(after);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('colour-by and the legend change what is drawn', async () => {
  const { page, errors } = await open();
  const n = await hooks(page, () => embedscope.n);
  const classes = await hooks(page, () => embedscope.visibleClasses);
  if (!classes) { await page.context().close(); return; } // not categorical: nothing to toggle
  const i = await standAlone(page);
  const entry = await page.evaluate(() => ({
    col: window.embedscope.colourBy,
    names: [...document.querySelectorAll('#legend li .name')].map((e) => e.textContent),
  }));
  assert.deepEqual(entry.names, classes);
  // Which class is point i in? Hover it and read the coloured column's value.
  const p = await hooks(page, (i) => embedscope.screenOf(i), i);
  await page.mouse.move(p.x, p.y);
  const value = await page.$$eval('#tooltip-meta tr', (trs, col) => trs.find((tr) => tr.cells[0].textContent === col).cells[1].textContent, entry.col);
  await page.mouse.move(5, 5);
  const k = classes.indexOf(value);
  assert.ok(k >= 0, `class ${value} in the legend`);
  const li = `#legend li[data-class="${k}"]`;
  const swatch = rgb(await page.$eval(`${li} .swatch`, (s) => {
    const m = getComputedStyle(s).backgroundColor.match(/\d+/g).map(Number);
    return '#' + m.slice(0, 3).map((v) => v.toString(16).padStart(2, '0')).join('');
  }));
  assert.ok((await coloursAround(page, i)).some((c) => close(c.slice(0, 3), swatch)), 'drawn in its class colour');
  const count = Number((await page.textContent(`${li} .count`)).replace(/,/g, ''));

  await page.click(`${li} button`);
  assert.equal(await hooks(page, () => embedscope.drawn), n - count);
  assert.ok(!(await hooks(page, () => embedscope.visibleClasses)).includes(value));
  assert.ok((await coloursAround(page, i)).every(isWhite), 'hidden class is not drawn');

  await page.click(`${li} button`, { modifiers: ['Shift'] });
  assert.deepEqual(await hooks(page, () => embedscope.visibleClasses), [value]);
  assert.equal(await hooks(page, () => embedscope.drawn), count);
  await page.click('#legend .actions button');
  assert.equal(await hooks(page, () => embedscope.drawn), n);

  if (EXPECTED) {
    await page.selectOption('#colour-by', { label: 'ink' });
    assert.equal(await hooks(page, () => embedscope.colourBy), 'ink');
    assert.equal(await hooks(page, () => embedscope.visibleClasses), null);
    assert.equal(await page.$$eval('#legend canvas.bar', (c) => c.length), 1);
    assert.ok(!(await coloursAround(page, i)).some((c) => close(c.slice(0, 3), swatch)), 'recoloured');
  }
  await page.selectOption('#colour-by', { label: '(none)' });
  assert.equal(await hooks(page, () => embedscope.colourBy), null);
  const single = await page.evaluate(() => JSON.parse(document.getElementById('embedscope-data').textContent).single.colour);
  assert.ok((await coloursAround(page, i)).some((c) => close(c.slice(0, 3), rgb(single))), 'one colour for all');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('clicking a point lists its nearest neighbours in the original space', async () => {
  const { page, errors } = await open();
  const hasGraph = await page.evaluate(() => JSON.parse(document.getElementById('embedscope-data').textContent).neighbors !== null);
  if (!hasGraph) { await page.context().close(); return; }
  const i = await standAlone(page);
  const p = await hooks(page, (i) => embedscope.screenOf(i), i);
  await page.mouse.click(p.x, p.y);
  assert.equal(await hooks(page, () => embedscope.selected), i);
  const listed = await page.$$eval('#neighbours button', (bs) => bs.map((b) => ({
    index: Number(b.dataset.index), distance: Number(b.querySelector('.distance').textContent),
  })));
  assert.deepEqual(listed.map((x) => x.index), await hooks(page, () => embedscope.neighbours));
  for (let r = 1; r < listed.length; r++) assert.ok(listed[r].distance >= listed[r - 1].distance);
  if (EXPECTED) {
    assert.equal(listed.length, EXPECTED.k);
    const o = i % EXPECTED.original;
    const copy = i - o;
    const want = expectedNeighbours(o);
    assert.deepEqual(listed.map((x) => x.index), want.map((x) => copy + x.index));
    listed.forEach((x, r) => assert.ok(Math.abs(x.distance - want[r].distance) <= 0.05 + 1e-3 * want[r].distance,
      `distance ${x.distance} vs ${want[r].distance}`));
  }
  if (EXPECTED) {
    // Named points: the title and the list use the names, with the colour column beside.
    const name = (j) => `${EXPECTED.labels[j % EXPECTED.original]}-${j}`;
    assert.equal(await page.$eval('#selection-title', (e) => e.textContent), `${name(i)} (#${i})`);
    const texts = () => page.$$eval('#neighbours button span:first-child', (s) => s.map((x) => x.textContent));
    assert.deepEqual(await texts(), listed.map((x) => `${name(x.index)} (${EXPECTED.labels[x.index % EXPECTED.original]})`));
    // The list follows the colour column: by ink, each entry shows its ink value.
    await page.selectOption('#colour-by', { label: 'ink' });
    const inks = await texts();
    inks.forEach((tx, r) => assert.match(tx, new RegExp(`^${name(listed[r].index)} \\(\\d+(\\.\\d+)?\\)$`)));
    await page.selectOption('#colour-by', { label: 'label' });
  }
  // The neighbours are emphasised: the selection and its k neighbours are on top.
  // Clicking an entry selects that neighbour; Escape clears.
  await page.click('#neighbours li:first-child button');
  assert.equal(await hooks(page, () => embedscope.selected), listed[0].index);
  await page.keyboard.press('Escape');
  assert.equal(await hooks(page, () => embedscope.selected), -1);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('drag pans, the wheel zooms, 3-D maps rotate, maps switch with their captions', async () => {
  const { page, errors } = await open();
  const maps = await hooks(page, () => embedscope.maps);
  const i = 0;
  const before = await hooks(page, (i) => embedscope.screenOf(i), i);
  const box = await page.$eval('#points', (c) => { const r = c.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; });
  const is3d = await page.$eval('#hint', (h) => h.textContent.includes('rotate'));
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x, box.y);
  await page.mouse.down();
  await page.mouse.move(box.x + 40, box.y + 25, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const panned = await hooks(page, (i) => embedscope.screenOf(i), i);
  assert.ok(Math.abs(panned.x - before.x - 40) < 0.5 && Math.abs(panned.y - before.y - 25) < 0.5, `${JSON.stringify([before, panned])} (3-D: ${is3d})`);
  // Zooming in about the point keeps it in place and spreads the others.
  await page.mouse.move(panned.x, panned.y);
  await page.mouse.wheel(0, -300);
  await page.waitForTimeout(50);
  const zoomed = await hooks(page, (i) => embedscope.screenOf(i), i);
  // Mouse events land on whole pixels: the point may move by the rounding times the zoom.
  assert.ok(Math.hypot(zoomed.x - panned.x, zoomed.y - panned.y) < 1.5, JSON.stringify([panned, zoomed]));
  const spread = await page.evaluate(() => Math.hypot(embedscope.screenOf(1).x - embedscope.screenOf(2).x, embedscope.screenOf(1).y - embedscope.screenOf(2).y));
  await page.click('#reset');
  const unzoomed = await page.evaluate(() => Math.hypot(embedscope.screenOf(1).x - embedscope.screenOf(2).x, embedscope.screenOf(1).y - embedscope.screenOf(2).y));
  assert.ok(spread > 1.5 * unzoomed, `${spread} vs ${unzoomed}`);

  for (const [k, name] of maps.entries()) {
    await page.click(`#maps button:nth-child(${k + 1})`);
    assert.equal(await hooks(page, () => embedscope.map), name);
    assert.equal(await hooks(page, () => embedscope.drawn), await hooks(page, () => embedscope.n));
    const caption = await page.textContent('#caption');
    if (EXPECTED && name.startsWith('PCA')) assert.match(caption, /^PC1-PC[23] explain \d+\.\d% of the variance$/);
    if (await page.$eval('#hint', (h) => h.textContent.includes('rotate'))) {
      const a = await hooks(page, () => embedscope.screenOf(0));
      await page.mouse.move(box.x, box.y);
      await page.mouse.down();
      await page.mouse.move(box.x + 60, box.y + 10, { steps: 5 });
      await page.mouse.up();
      const b = await hooks(page, () => embedscope.screenOf(0));
      assert.notDeepEqual(a, b, 'dragging rotates a 3-D map');
      assert.equal(await hooks(page, () => embedscope.selected), -1, 'a drag is not a click');
    }
  }
  assert.deepEqual(errors, []);
  await page.context().close();
});

// A stand-alone point is drawn (not white around it) and hovering it finds it.
async function assertDrawnAndHoverable(page) {
  const i = await standAlone(page);
  assert.ok((await coloursAround(page, i)).some((c) => !isWhite(c)), 'the point is drawn');
  const p = await hooks(page, (i) => embedscope.screenOf(i), i);
  await page.mouse.move(p.x, p.y);
  assert.equal(await hooks(page, () => embedscope.hovered), i);
}

test('the canvas 2-D fallback draws the same points', async () => {
  const { page, errors } = await open('?renderer=canvas');
  assert.equal(await hooks(page, () => embedscope.renderer), 'canvas');
  assert.equal(await hooks(page, () => embedscope.drawn), await hooks(page, () => embedscope.n));
  await assertDrawnAndHoverable(page);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('a lost WebGL context switches to the canvas renderer and says so', async () => {
  const { page, errors } = await open();
  assert.equal(await hooks(page, () => embedscope.renderer), 'webgl');
  await page.evaluate(() => {
    document.getElementById('points').getContext('webgl').getExtension('WEBGL_lose_context').loseContext();
  });
  await page.waitForFunction(() => embedscope.renderer === 'canvas', null, { timeout: 10000 });
  const status = await page.$eval('#status', (s) => s.textContent);
  assert.match(status, /canvas \(the WebGL context was lost\)/);
  // The map is drawn again, and the new canvas still answers the mouse.
  await assertDrawnAndHoverable(page);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('screenshot', async () => {
  const { page, errors } = await open();
  const hasGraph = await page.evaluate(() => JSON.parse(document.getElementById('embedscope-data').textContent).neighbors !== null);
  const pts = await isolatedPoints(page, 6);
  if (hasGraph && pts.length) {
    const p = await hooks(page, (i) => embedscope.screenOf(i), pts[0]);
    await page.mouse.click(p.x, p.y);
  }
  const centre = await page.$eval('#points', (c) => { const r = c.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; });
  const near = await page.evaluate((c) => {
    let best = 0, bd = Infinity;
    for (let i = 0; i < embedscope.n; i++) {
      const p = embedscope.screenOf(i);
      const d = Math.hypot(p.x - c.x - 120, p.y - c.y + 60);
      if (d < bd) { bd = d; best = i; }
    }
    return embedscope.screenOf(best);
  }, centre);
  await page.mouse.move(near.x, near.y);
  const file = join(OUT_DIR, 'viewer.png');
  await page.screenshot({ path: file });
  console.log(`screenshot: ${file}`);
  assert.deepEqual(errors, []);
  await page.context().close();
});
