// Tiny DOM helpers. Everything that may carry bot-written data goes through text nodes
// (textContent / createTextNode): this page never parses HTML built from strings.

/**
 * Creates an element. `props` sets attributes (plus `class`, `text` and `on<event>`);
 * children are nodes or strings, and strings always become text nodes.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Appends nodes and strings (as text), skipping null/false and flattening arrays. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces an element's children. */
export function replaceChildren(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** `document.querySelector` that fails loudly when the page markup and the script disagree. */
export function $(selector, root = document) {
  const el = root.querySelector(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el;
}

/** Restarts a CSS animation class (removing and re-adding it alone does not replay it). */
export function replayAnimation(el, className) {
  el.classList.remove(className);
  void el.offsetWidth; // force a style flush so the next add starts a new animation
  el.classList.add(className);
}
