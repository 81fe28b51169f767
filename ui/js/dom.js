// Tiny element helpers. Text always goes in through textContent, never innerHTML, so user data
// (names, emails from the database) can never become markup.

/**
 * Creates an element: `el('td', {class: 'mono', title: id, dataset: {testid: 'x'}}, 'text', child)`.
 * Strings become text nodes; null/undefined children are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Removes every child of `node`. */
export function clear(node) {
  node.replaceChildren();
}

/** Shows or hides `node` with the `hidden` attribute. */
export function show(node, visible) {
  node.hidden = !visible;
}

/** `document.getElementById` that fails loudly when the markup and the code disagree. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing element #${id}`);
  return node;
}
