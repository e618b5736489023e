// DOM helpers. Text is always set as text, never parsed as HTML.

const SVG = 'http://www.w3.org/2000/svg';

// h builds an element: h('a', {href: '#/x', class: 'y', onclick: f}, 'text', child...).
// A tag 'svg:rect' is an SVG element. null, false and undefined children are skipped.
export function h(tag, attrs, ...children) {
  const el = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' && 'value' in el && !(el instanceof SVGElement)) el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// replace swaps el's children for the given ones.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// field is a labelled form control.
export function field(label, control, hint) {
  const id = control.id || 'f-' + Math.random().toString(36).slice(2, 9);
  control.id = id;
  return h('div', {class: 'field'}, h('label', {for: id}, label), control, hint ? h('small', {}, hint) : null);
}

// select builds a <select> from [value, label] pairs (or plain values).
export function select(name, options, value) {
  return h('select', {name},
    options.map(o => {
      const [v, l] = Array.isArray(o) ? o : [o, o];
      return h('option', {value: v, selected: v === value}, l);
    }));
}

// table builds a table with a caption, header cells and rows of cells.
export function table(caption, headers, rows, cls) {
  return h('div', {class: 'table-wrap'},
    h('table', {class: cls || null},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, headers.map(x => h('th', {scope: 'col'}, x)))),
      h('tbody', {}, rows)));
}

// badge shows a state as words and colour: the words carry the meaning.
export function badge(state, text) {
  return h('span', {class: 'badge b-' + String(state || 'none').replace(/[^a-z-]/g, '')}, text || state || '—');
}
