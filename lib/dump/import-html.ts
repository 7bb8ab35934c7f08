/**
 * A small HTML reader for machine-written markup (Firefox's about:webrtc "Save Page" output is the `outerHTML` of
 * one element): tags, attributes, text and character references into a light element tree. Workers have no
 * DOMParser and Node tests no DOM, so the importer cannot lean on one. No recursion anywhere (a hostile file may
 * nest a million elements); text is only ever read as text, never interpreted as markup again.
 */

export interface HtmlElement {
  tag: string;
  attrs: Map<string, string>;
  children: HtmlNode[];
  parent: HtmlElement | null;
  /** Its end tag (or an ancestor's) was read, or it has none (void, self-closed): false only when the file ends inside it. */
  ended: boolean;
}
export type HtmlNode = HtmlElement | string;

export interface HtmlDocument {
  /** The elements and text, under an element with tag `#root`. */
  root: HtmlElement;
  /**
   * Why the markup ends early (inside a tag, comment or raw-text element, or before the end tag of an element of
   * the top level: the saved page is one element's `outerHTML`), or null when it is complete.
   */
  truncated: string | null;
}

/** Elements that never have content (HTML void elements). */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
/** Raw-text elements: their content is not markup. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title']);

const NAMED_REFERENCES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes character references (`&quot;`, `&#39;`, `&#x27;`); unknown ones stay as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    const lower = name.toLowerCase();
    return Object.prototype.hasOwnProperty.call(NAMED_REFERENCES, lower) ? NAMED_REFERENCES[lower] : whole;
  });
}

const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/**
 * Parses `html` into a root element (tag `#root`). Tolerant like a browser where it matters here: unclosed
 * elements end with their ancestor, stray end tags are ignored. A file that ends early is read as far as it goes and
 * says so (`truncated`). Throws a plain Error only when nesting exceeds `maxDepth` (the caller turns it into a
 * DumpError).
 */
export function parseHtml(html: string, maxDepth = 256): HtmlDocument {
  const root: HtmlElement = { tag: '#root', attrs: new Map(), children: [], parent: null, ended: true };
  let current = root;
  let depth = 0;
  let i = 0;
  const n = html.length;
  let truncated: string | null = null;
  const addText = (text: string) => {
    if (text !== '') current.children.push(decodeEntities(text));
  };
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      addText(html.slice(i));
      break;
    }
    if (lt > i) addText(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      if (end === -1) truncated = `the file ends inside a comment (from character ${lt})`;
      i = end === -1 ? n : end + 3;
      continue;
    }
    if (html.startsWith('<!', lt) || html.startsWith('<?', lt)) {
      const end = html.indexOf('>', lt);
      if (end === -1) truncated = `the file ends inside the markup declaration at character ${lt}`;
      i = end === -1 ? n : end + 1;
      continue;
    }
    const close = html[lt + 1] === '/';
    const nameMatch = /^[A-Za-z][A-Za-z0-9-]*/.exec(html.slice(lt + (close ? 2 : 1), lt + (close ? 2 : 1) + 64));
    if (!nameMatch) {
      // A lone `<` is text.
      addText('<');
      i = lt + 1;
      continue;
    }
    const tag = nameMatch[0].toLowerCase();
    const end = findTagEnd(html, lt + (close ? 2 : 1) + nameMatch[0].length);
    if (end === -1) {
      truncated = `the file ends inside the tag <${close ? '/' : ''}${tag} at character ${lt}`;
      break;
    }
    if (close) {
      // Close the nearest open element of that name (and those inside it); ignore a stray end tag.
      let e: HtmlElement | null = current;
      while (e && e.tag !== tag) e = e.parent;
      if (e && e.parent) {
        while (current !== e) {
          current.ended = true;
          current = current.parent!;
          depth--;
        }
        e.ended = true;
        current = e.parent!;
        depth--;
      }
      i = end + 1;
      continue;
    }
    const attrText = html.slice(lt + 1 + nameMatch[0].length, end);
    const attrs = new Map<string, string>();
    for (const m of attrText.matchAll(ATTRIBUTE)) {
      const name = m[1].toLowerCase();
      if (!attrs.has(name)) attrs.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
    }
    const element: HtmlElement = { tag, attrs, children: [], parent: current, ended: false };
    current.children.push(element);
    i = end + 1;
    if (VOID.has(tag) || attrText.trimEnd().endsWith('/')) {
      element.ended = true;
      continue;
    }
    if (RAW_TEXT.has(tag)) {
      const closer = new RegExp(`</${tag}`, 'gi');
      closer.lastIndex = i;
      const found = closer.exec(html);
      const closeAt = found ? found.index : -1;
      const stop = closeAt === -1 ? n : closeAt;
      if (stop > i) element.children.push(html.slice(i, stop));
      const after = closeAt === -1 ? -1 : html.indexOf('>', closeAt);
      if (after === -1) truncated = `the file ends inside <${tag}> (from character ${lt})`;
      else element.ended = true;
      i = after === -1 ? n : after + 1;
      continue;
    }
    current = element;
    if (++depth > maxDepth) throw new Error(`elements nested deeper than ${maxDepth}`);
  }
  if (truncated === null && current !== root) {
    let outermost = current;
    while (outermost.parent !== root) outermost = outermost.parent!;
    truncated = `the file ends before the end tag of ${startTag(outermost)}`;
  }
  return { root, truncated };
}

/** `<div id="content">`: an element's tag with its id or class, to name it in a message. */
function startTag(e: HtmlElement): string {
  const id = e.attrs.get('id');
  const cls = e.attrs.get('class');
  const attr = id !== undefined ? ` id="${id}"` : cls !== undefined ? ` class="${cls}"` : '';
  return `<${e.tag}${attr}>`;
}

/** Index of the `>` ending a tag whose attributes start at `from` (quotes may hold `>`), or -1. */
function findTagEnd(html: string, from: number): number {
  let quote = '';
  for (let i = from; i < html.length; i++) {
    const c = html[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return i;
    }
  }
  return -1;
}

/** Every element under `root` in document order, for which `match` holds. */
export function findAll(root: HtmlElement, match: (e: HtmlElement) => boolean): HtmlElement[] {
  const out: HtmlElement[] = [];
  const stack: HtmlNode[] = [...root.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (typeof node === 'string') continue;
    if (match(node)) out.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return out;
}

/** The first element under `root` in document order for which `match` holds, or null. */
export function findFirst(root: HtmlElement, match: (e: HtmlElement) => boolean): HtmlElement | null {
  const stack: HtmlNode[] = [...root.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (typeof node === 'string') continue;
    if (match(node)) return node;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return null;
}

/** The text of `element`; `<br>` becomes a line break. */
export function textOf(element: HtmlElement): string {
  let out = '';
  const stack: HtmlNode[] = [...element.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (typeof node === 'string') {
      out += node;
      continue;
    }
    if (node.tag === 'br') out += '\n';
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return out;
}

/** Whether the element's `class` attribute lists `name`. */
export const hasClass = (e: HtmlElement, name: string): boolean => (e.attrs.get('class') ?? '').split(/\s+/).includes(name);
