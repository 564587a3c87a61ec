/**
 * A tiny XML well-formedness checker for the tests of the SVG builders (no DOM in Node):
 * one root element, every tag closed in order, attributes quoted and not repeated, and
 * every `&` an entity. It returns the elements it read (name, attributes, own text) so a
 * test can look for the labels it expects.
 */

/** XmlElement is one element read. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  text: string;
  depth: number;
}

const NAME = /^[A-Za-z_][\w.:-]*$/;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function checkText(s: string, where: string): string {
  const rest = s.replace(ENTITY, '');
  if (rest.includes('&')) throw new Error(`bare & in ${where}: ${s.slice(0, 60)}`);
  if (rest.includes('<')) throw new Error(`bare < in ${where}`);
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function parseAttrs(src: string, tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /\s+([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/y;
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw new Error(`malformed attributes in <${tag}>: ${src.slice(i, i + 40)}`);
    const name = m[1]!;
    if (!NAME.test(name)) throw new Error(`bad attribute name ${name} in <${tag}>`);
    if (name in attrs) throw new Error(`attribute ${name} repeated in <${tag}>`);
    attrs[name] = checkText(m[3] ?? m[4] ?? '', `attribute ${name} of <${tag}>`);
    i = re.lastIndex;
  }
  return attrs;
}

/** parseXml checks `doc` and returns its elements in document order; throws saying what is wrong. */
export function parseXml(doc: string): XmlElement[] {
  const body = doc.replace(/^\s*<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const out: XmlElement[] = [];
  const stack: XmlElement[] = [];
  let roots = 0;
  let i = 0;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const textPart = body.slice(i, lt < 0 ? body.length : lt);
    if (textPart.trim() !== '') {
      const top = stack[stack.length - 1];
      if (!top) throw new Error(`text outside the root: ${textPart.slice(0, 40)}`);
      top.text += checkText(textPart, `<${top.name}>`);
    }
    if (lt < 0) break;
    const gt = body.indexOf('>', lt);
    if (gt < 0) throw new Error('unterminated tag');
    const tag = body.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const self = tag.endsWith('/');
    const inner = self ? tag.slice(0, -1) : tag;
    const name = /^[^\s/>]+/.exec(inner)?.[0] ?? '';
    if (!NAME.test(name)) throw new Error(`bad element name "${name}"`);
    if (stack.length === 0 && ++roots > 1) throw new Error('more than one root element');
    const el: XmlElement = { name, attrs: parseAttrs(inner.slice(name.length), name), text: '', depth: stack.length };
    out.push(el);
    if (!self) stack.push(el);
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (roots !== 1) throw new Error('no root element');
  return out;
}

/** textsOf returns the text of every element named `name` (all elements when absent). */
export function textsOf(els: readonly XmlElement[], name?: string): string[] {
  return els.filter((e) => name === undefined || e.name === name).map((e) => e.text);
}
