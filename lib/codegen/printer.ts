/**
 * A small printer for generated TypeScript: it collects imports (deduplicated, sorted, with
 * `import type` for type-only names), hands out fresh identifiers, and indents blocks.
 *
 * @module
 */

/** Where an imported name comes from: a module path relative to the repository root, or a bare
 * specifier (e.g. `@tzp2p/tzp2p/encoding`). */
export type ModuleRef = string;

/** One generated file. */
export class GeneratedFile {
  /** Output path relative to the repository root. */
  readonly path: string;
  private readonly values = new Map<ModuleRef, Set<string>>();
  private readonly types = new Map<ModuleRef, Set<string>>();
  private lines: string[] = [];
  private depth = 0;
  private scopes: Set<string>[] = [new Set()];

  /** A file written at `path` (relative to the repository root). */
  constructor(path: string) {
    this.path = path;
  }

  /** Imports a value; returns the name to use. */
  value(name: string, from: ModuleRef): string {
    if (from !== this.path) add(this.values, from, name);
    return name;
  }

  /** Imports a type; returns the name to use. */
  type(name: string, from: ModuleRef): string {
    if (from !== this.path) add(this.types, from, name);
    return name;
  }

  /**
   * A local identifier free in the current block and the blocks around it: `base` itself when
   * free (a field read into a local of its own name), else `base` with the smallest free numeric
   * suffix. A name declared in a closed block is free again after it (`case` bodies reuse names).
   */
  fresh(base: string): string {
    let name = base;
    // (A codec function's name gets a suffix however free it is: the function may be defined in
    // this very file, later.)
    for (let i = 1; this.taken(name) || (name === base && CODEC_NAME.test(name)); i++) {
      name = `${base}${i}`;
    }
    this.scopes[this.scopes.length - 1].add(name);
    return name;
  }

  private taken(name: string): boolean {
    return this.scopes.some((s) => s.has(name)) || RESERVED.has(name) ||
      [...this.values.values()].some((names) => names.has(name));
  }

  /** Starts a function whose parameters and fixed locals are `taken` (for stable, clash-free names). */
  resetNames(...taken: string[]): void {
    this.scopes = [new Set(taken)];
  }

  /** Appends one line at the current indentation (an empty call appends a blank line). */
  line(text = ""): void {
    this.lines.push(text === "" ? "" : "  ".repeat(this.depth) + text);
  }

  /**
   * Appends `open`, the `items` separated by commas, then `close`: on one line when it fits in
   * {@link WIDTH} columns, else one item per line (with a trailing comma) as `deno fmt` would.
   */
  list(open: string, items: readonly string[], close: string, fill = false): void {
    const one = `${open}${items.join(", ")}${close}`;
    if (items.length === 0 || this.depth * 2 + one.length <= WIDTH) {
      this.line(one);
      return;
    }
    const [head, tail] = [open.trimEnd(), close.trimStart()];
    this.block(head, () => {
      if (!fill) return items.forEach((item) => this.line(`${item},`));
      // Short items (bytes) packed several to a line.
      let row = "";
      for (const item of items) {
        if (row && this.depth * 2 + row.length + item.length + 2 > WIDTH) {
          this.line(row.trimEnd());
          row = "";
        }
        row += `${item}, `;
      }
      if (row) this.line(row.trimEnd());
    }, tail);
  }

  /** Runs `body` one level deeper, without lines around it (e.g. under a `default:` label). */
  indent(body: () => void): void {
    this.depth++;
    body();
    this.depth--;
  }

  /**
   * Appends a JSDoc comment: one line when it fits, else wrapped at {@link WIDTH} columns (a
   * `{@link X}` is never split). Line breaks in `text` are kept.
   */
  doc(text: string): void {
    const one = `/** ${text} */`;
    if (!text.includes("\n") && this.depth * 2 + one.length <= WIDTH) {
      this.line(one);
      return;
    }
    this.line("/**");
    const room = WIDTH - this.depth * 2 - 3;
    for (const paragraph of text.split("\n")) {
      let row = "";
      for (const word of paragraph.split(/ (?![^{]*\})/)) {
        if (row && row.length + 1 + word.length > room) {
          this.line(` * ${row}`);
          row = word;
        } else row = row ? `${row} ${word}` : word;
      }
      this.line(` * ${row}`.trimEnd());
    }
    this.line(" */");
  }

  /** Appends `open`, runs `body` one level deeper, then appends `close`. */
  block(open: string, body: () => void, close = "}"): void {
    this.line(open);
    this.depth++;
    const outer = this.scopes.length;
    this.scopes.push(new Set());
    body();
    // (`body` may have started a function with `resetNames`: keep at least its scope.)
    this.scopes.length = Math.max(1, Math.min(outer, this.scopes.length));
    this.depth--;
    this.line(close);
  }

  /** The file's text with `header` first and imports after it. */
  render(header: string): string {
    const specifier = (from: ModuleRef) => relativeSpecifier(this.path, from);
    const modules = [...new Set([...this.values.keys(), ...this.types.keys()])].sort((a, b) =>
      specifier(a) < specifier(b) ? -1 : 1
    );
    const body = this.lines;
    this.lines = [];
    const depth = this.depth;
    this.depth = 0;
    for (const m of modules) {
      const values = [...(this.values.get(m) ?? [])].sort();
      const types = [...(this.types.get(m) ?? [])].filter((t) => !values.includes(t)).sort();
      if (values.length > 0) {
        const names = [...values, ...types.map((t) => `type ${t}`)].sort(byName);
        this.list("import { ", names, ` } from "${specifier(m)}";`);
      } else {
        this.list("import type { ", types, ` } from "${specifier(m)}";`);
      }
    }
    const importLines = this.lines;
    this.lines = body;
    this.depth = depth;
    return [header, "", ...importLines, "", ...body].join("\n").replace(/\n{3,}/g, "\n\n")
      .trimEnd() + "\n";
  }
}

/** Width up to which {@link GeneratedFile.list} keeps a list on one line (`deno fmt`'s default). */
export const WIDTH = 100;

// Names a generated function already uses (parameters, results) or that JavaScript reserves: a
// field with such a name is read into a suffixed local instead.
const RESERVED = new Set([
  ..."r w v t app size bytes".split(" "),
  ..."break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof let new null return super switch this throw true try typeof var void while with yield await implements interface package private protected public static arguments eval undefined NaN Infinity"
    .split(" "),
]);

// Generated codec functions (`readPoint`…), which a local must not shadow.
const CODEC_NAME = /^(read|write|sizeOf|encode|decode)[A-Z]/;

function byName(a: string, b: string): number {
  const x = a.replace(/^type /, "");
  const y = b.replace(/^type /, "");
  return x < y ? -1 : x > y ? 1 : 0;
}

function add(map: Map<string, Set<string>>, key: string, name: string): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, set = new Set());
  set.add(name);
}

/**
 * The import specifier for `to` from a file at `from` (both relative to the repository root); a
 * bare specifier (no `/` before the first segment's dot, or starting with `@`/`npm:`/`jsr:`) is
 * kept as it is.
 */
export function relativeSpecifier(from: string, to: string): string {
  if (/^(@|npm:|jsr:|https?:)/.test(to)) return to;
  const a = from.split("/").slice(0, -1);
  const b = to.split("/");
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  const up = a.length - i;
  const rest = b.slice(i).join("/");
  return up === 0 ? `./${rest}` : `${"../".repeat(up)}${rest}`;
}
