// render.mjs renders the dashboard's views that state a run's RTO and RPO (the run
// page's clock, the report, the portfolio and the executive summary) in Node, on a
// small document model, from the API answers given on stdin, and prints what each view
// states as JSON. The Go test cmd/bcdr TestFiguresAgreeOnEverySurface compares it with
// the CLI and the reports. The views and their modules are the ones the browser loads.
//
// stdin:  {"runs": {RUN_ID: record, ...}, "portfolio": portfolio, "now": time (optional: the views' clock)}
// stdout: {"run": {RUN_ID: {"clock": text, "rpo": text}}, "report": {RUN_ID: {"RTO": [cells], "RPO": [cells]}},
//          "portfolio": {SERVICE: {"rto": text, "rpo": text, "status": state, "due": text, "drills": text}},
//          "summary": {SERVICE: {"rto": text, "rpo": text, "cadence": text, "drills": text}}, "headline": text}

class Node {
  constructor() { this.childNodes = []; this.parentNode = null; }
  get textContent() { return this.childNodes.map(c => c.textContent).join(''); }
  append(...cs) {
    for (const c of cs) {
      const n = c instanceof Node ? c : new Text(String(c));
      n.parentNode = this;
      this.childNodes.push(n);
    }
  }
  replaceChildren(...cs) { this.childNodes = []; this.append(...cs); }
}

class Text extends Node {
  constructor(s) { super(); this.data = s; }
  get textContent() { return this.data; }
}

class Element extends Node {
  constructor(tag) {
    super();
    this.tagName = tag.toUpperCase();
    this.attrs = {};
    this.dataset = {};
    this.style = {};
    this.hidden = false;
    this.id = '';
  }
  setAttribute(k, v) { this.attrs[k] = String(v); if (k === 'id') this.id = String(v); }
  getAttribute(k) { return k in this.attrs ? this.attrs[k] : null; }
  addEventListener() {}
  focus() {}
  get children() { return this.childNodes.filter(c => c instanceof Element); }
  get classes() { return (this.attrs.class || '').split(/\s+/).filter(Boolean); }
  // all returns the descendants that satisfy pred, in document order.
  all(pred, out = []) {
    for (const c of this.children) {
      if (pred(c)) out.push(c);
      c.all(pred, out);
    }
    return out;
  }
  // elements is a form's named controls (the portfolio's filters).
  get elements() {
    const named = {};
    for (const el of this.all(e => e.attrs.name)) named[el.attrs.name] = el;
    return named;
  }
  get value() {
    if (this.tagName !== 'SELECT') return this._value || '';
    const sel = this.all(e => e.tagName === 'OPTION').find(o => 'selected' in o.attrs);
    return sel ? sel.value : '';
  }
  set value(v) { this._value = v; }
}

class SVGElement extends Element {}

globalThis.Node = Node;
globalThis.SVGElement = SVGElement;
globalThis.document = {
  title: '',
  createElement: tag => new Element(tag),
  createElementNS: (_, tag) => new SVGElement(tag),
};
const store = {};
globalThis.sessionStorage = {getItem: k => store[k] ?? null, setItem: (k, v) => { store[k] = v; }, removeItem: k => { delete store[k]; }};
globalThis.window = {print() {}, dispatchEvent() {}, addEventListener() {}};
globalThis.location = {hash: ''};
globalThis.Event = class { constructor(type) { this.type = type; } };
globalThis.performance = {mark() {}};
globalThis.requestAnimationFrame = f => f();
const later = [];
globalThis.setTimeout = f => { later.push(f); return later.length; };

const input = JSON.parse(await new Promise(resolve => {
  let s = '';
  process.stdin.on('data', d => { s += d; });
  process.stdin.on('end', () => resolve(s));
}));

if (input.now) {
  const fixed = new Date(input.now).getTime();
  Date.now = () => fixed;
}

// fetch answers the views' API calls from the input.
globalThis.fetch = async path => {
  const json = body => ({ok: true, status: 200, headers: {get: () => 'file'}, json: async () => body});
  const m = /^\/v1\/runs\/([^/?]+)(\/report)?/.exec(path);
  if (m && !path.endsWith('/plan') && input.runs[decodeURIComponent(m[1])]) return json(input.runs[decodeURIComponent(m[1])]);
  if (path === '/v1/portfolio') return json(input.portfolio);
  return {ok: false, status: 404, statusText: 'Not Found', json: async () => ({error: 'not here: ' + path})};
};

const here = new URL('../static/js/', import.meta.url);
const {runView} = await import(new URL('run.js', here));
const {reportView} = await import(new URL('report.js', here));
const {portfolioView, summaryView} = await import(new URL('portfolio.js', here));

const ctx = {alive: () => true, notify() {}};
const text = el => (el ? el.textContent.replace(/\s+/g, ' ').trim() : '');
const hasClass = c => e => e.classes.includes(c);
const out = {run: {}, report: {}, portfolio: {}, summary: {}, headline: ''};

for (const id of Object.keys(input.runs)) {
  const main = new Element('main');
  await runView(main, id, ctx);
  const clock = main.all(hasClass('clock'))[0];
  out.run[id] = {clock: text(clock.all(hasClass('verdict'))[0]), value: text(clock.all(hasClass('clock-value'))[0]), rpo: text(clock.all(hasClass('rpo'))[0])};

  const rep = new Element('main');
  await reportView(rep, id, ctx);
  out.report[id] = {};
  for (const tr of rep.all(hasClass('objective'))) out.report[id][tr.dataset.objective] = tr.children.slice(1).map(text);
}

const cells = (tr, from) => tr.children.slice(from).map(text);
const main = new Element('main');
await portfolioView(main, ctx);
for (const tr of main.all(hasClass('svc-row'))) {
  const c = cells(tr, 0);
  // Service, Tier, Cadence, Last successful drill, Next drill due, Drills (succeeded), Latest RTO, Latest RPO
  out.portfolio[tr.dataset.service] = {rto: c[c.length - 2], rpo: c[c.length - 1], status: tr.dataset.status, due: c[4], drills: c[5]};
}
const sum = new Element('main');
await summaryView(sum, ctx);
const exec = sum.all(e => e.tagName === 'TABLE' && e.classes.includes('exec'))[0];
for (const tr of exec.all(e => e.tagName === 'TR').slice(1)) {
  const c = cells(tr, 0); // Service, Tier, Cadence, Drills, RTO met, RPO met, trend
  out.summary[c[0]] = {rto: c[4], rpo: c[5], cadence: c[2], drills: c[3]};
}
out.headline = text(sum.all(hasClass('headline'))[0]);
process.stdout.write(JSON.stringify(out));
