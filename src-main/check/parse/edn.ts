/**
 * A small EDN reader for Jepsen histories: nil, booleans, numbers, strings, keywords (kept
 * as `:name` strings), symbols (kept as strings), vectors, lists, sets (as arrays) and maps
 * (as objects; keyword keys lose their colon). Bounded in nesting depth; the caller bounds
 * the text's length. Errors are thrown as EdnError with the column where reading stopped.
 */

/** EDN_MAX_DEPTH bounds nesting. */
export const EDN_MAX_DEPTH = 32;

/** EdnError is text that is not EDN (or nests too deep). */
export class EdnError extends Error {
  override name = 'EdnError';
}

const DELIM = /[\s,()[\]{}"]/;
const NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?N?M?$/;

class Reader {
  pos = 0;
  constructor(private readonly s: string) {}

  fail(msg: string): never {
    throw new EdnError(`${msg} at column ${this.pos + 1}`);
  }

  skip(): void {
    while (this.pos < this.s.length) {
      const c = this.s[this.pos] as string;
      if (c === ';') {
        while (this.pos < this.s.length && this.s[this.pos] !== '\n') this.pos++;
      } else if (c === ',' || /\s/.test(c)) this.pos++;
      else return;
    }
  }

  value(depth: number): unknown {
    if (depth > EDN_MAX_DEPTH) this.fail('nested too deep');
    this.skip();
    const c = this.s[this.pos];
    if (c === undefined) this.fail('unexpected end');
    if (c === '"') return this.string();
    if (c === '[') return this.seq(']', depth);
    if (c === '(') return this.seq(')', depth);
    if (c === '{') return this.map(depth);
    if (c === '#' && this.s[this.pos + 1] === '{') {
      this.pos++;
      return this.seq('}', depth);
    }
    return this.atom();
  }

  private seq(close: string, depth: number): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    for (;;) {
      this.skip();
      if (this.pos >= this.s.length) this.fail(`missing '${close}'`);
      if (this.s[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.value(depth + 1));
    }
  }

  private map(depth: number): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (;;) {
      this.skip();
      if (this.pos >= this.s.length) this.fail("missing '}'");
      if (this.s[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const k = this.value(depth + 1);
      const v = this.value(depth + 1);
      const name =
        typeof k === 'string' && k.startsWith(':') ? k.slice(1) : typeof k === 'string' ? k : JSON.stringify(k);
      out[name] = v;
    }
  }

  private string(): string {
    let out = '';
    this.pos++;
    for (;;) {
      const c = this.s[this.pos++];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.pos++];
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
      if (e === 'u') {
        const hex = this.s.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 4;
      } else if (e !== undefined && map[e] !== undefined) out += map[e];
      else this.fail('bad escape');
    }
  }

  private atom(): unknown {
    const start = this.pos;
    while (this.pos < this.s.length && !DELIM.test(this.s[this.pos] as string)) this.pos++;
    const tok = this.s.slice(start, this.pos);
    if (tok === '') this.fail(`unexpected '${this.s[this.pos] ?? ''}'`);
    if (tok === 'nil') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (NUMBER.test(tok)) {
      const n = Number(tok.replace(/[NM]$/, ''));
      return Number.isSafeInteger(n) || !Number.isInteger(n) ? n : tok;
    }
    return tok;
  }
}

/** readEdn reads one EDN value that must fill `text` (bar whitespace); throws EdnError. */
export function readEdn(text: string): unknown {
  const r = new Reader(text);
  const v = r.value(0);
  r.skip();
  if (r.pos < text.length) r.fail('unexpected text after the value');
  return v;
}
