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
  private readonly lines: string[] = [];
  private depth = 0;
  private counter = 0;

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

  /** A fresh local identifier starting with `base`. */
  fresh(base: string): string {
    return `${base}${this.counter++}`;
  }

  /** Resets the identifier counter (at the start of each function, for stable output). */
  resetNames(): void {
    this.counter = 0;
  }

  /** Appends one line at the current indentation (an empty call appends a blank line). */
  line(text = ""): void {
    this.lines.push(text === "" ? "" : "  ".repeat(this.depth) + text);
  }

  /** Appends `open`, runs `body` one level deeper, then appends `close`. */
  block(open: string, body: () => void, close = "}"): void {
    this.line(open);
    this.depth++;
    body();
    this.depth--;
    this.line(close);
  }

  /** The file's text with `header` first and imports after it. */
  render(header: string): string {
    const specifier = (from: ModuleRef) => relativeSpecifier(this.path, from);
    const modules = [...new Set([...this.values.keys(), ...this.types.keys()])].sort((a, b) =>
      specifier(a) < specifier(b) ? -1 : 1
    );
    const importLines: string[] = [];
    for (const m of modules) {
      const values = [...(this.values.get(m) ?? [])].sort();
      const types = [...(this.types.get(m) ?? [])].filter((t) => !values.includes(t)).sort();
      if (values.length > 0) {
        const names = [...values, ...types.map((t) => `type ${t}`)].sort(byName);
        importLines.push(`import { ${names.join(", ")} } from "${specifier(m)}";`);
      } else {
        importLines.push(`import type { ${types.join(", ")} } from "${specifier(m)}";`);
      }
    }
    return [header, "", ...importLines, "", ...this.lines].join("\n").replace(/\n{3,}/g, "\n\n")
      .trimEnd() + "\n";
  }
}

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
