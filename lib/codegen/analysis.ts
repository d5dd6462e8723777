/**
 * Static facts about schema nodes used by both emitters: fixed sizes, genericity over the
 * application message, TypeScript types, and the well-formedness checks done at generation time.
 *
 * @module
 */

import type { Decl, Node } from "./dsl.ts";

const INT_SIZES: Record<string, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  int31: 4,
  int32: 4,
  int64: 8,
  uint30: 4,
  bool: 1,
};

/** The size in bytes of every value of `n`, or undefined when it depends on the value. */
export function fixedSize(n: Node): number | undefined {
  if (n.t in INT_SIZES) return INT_SIZES[n.t];
  switch (n.t) {
    case "fixedBytes":
      return n.size;
    case "checkSize":
    case "conv":
      return fixedSize(n.inner);
    case "dynamicSize": {
      const inner = fixedSize(n.inner);
      return inner === undefined ? undefined : n.prefix + inner;
    }
    case "ref":
      // A recursive type has values of several depths, hence of several sizes.
      return n.decl.recursion ? undefined : fixedSize(n.decl.node);
    case "merge": {
      let total = 0;
      for (const p of n.parts) {
        const s = fixedSize(p);
        if (s === undefined) return undefined;
        total += s;
      }
      return total;
    }
    case "obj": {
      let total = 0;
      for (const f of n.fields) {
        const s = f.optional ? undefined : fixedSize(f.node);
        if (s === undefined) return undefined;
        total += s;
      }
      return total;
    }
    case "union": {
      // Fixed when every case has the same fixed body (e.g. public key hashes).
      if (n.appCase !== undefined || n.cases.some((c) => c.aliasBody)) return undefined;
      const sizes = new Set(n.cases.map((c) => fixedSize({ t: "obj", fields: c.fields })));
      const [only] = sizes;
      return sizes.size === 1 && only !== undefined ? n.tagSize + only : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * True when a value of `n` can be read with one bounds check and reads at fixed offsets: fixed
 * size, and made only of integers, bools, fixed bytes, objects and fixed unions.
 */
export function hasFixedLayout(n: Node): boolean {
  if (fixedSize(n) === undefined) return false;
  switch (n.t) {
    case "obj":
      return n.fields.every((f) => hasFixedLayout(f.node));
    case "union":
      return n.cases.every((c) => c.fields.every((f) => hasFixedLayout(f.node)));
    case "ref":
      return hasFixedLayout(n.decl.node);
    case "checkSize":
      return hasFixedLayout(n.inner);
    case "conv":
    case "dynamicSize":
    case "merge":
      return false;
    default:
      return true;
  }
}

/** The smallest encoded size of a value of `n`. */
export function minSize(n: Node): number {
  const fixed = fixedSize(n);
  if (fixed !== undefined) return fixed;
  switch (n.t) {
    case "bytes":
    case "string":
      return 4;
    case "dynamicSize":
      return n.prefix + minSize(n.inner);
    case "checkSize":
    case "conv":
      return minSize(n.inner);
    case "ref":
      return guarded(n.decl, Number.POSITIVE_INFINITY, () => minSize(n.decl.node));
    case "merge":
      return n.parts.reduce((s, p) => s + minSize(p), 0);
    case "obj":
      return n.fields.reduce((s, f) => s + (f.optional ? 1 : minSize(f.node)), 0);
    case "union":
      return n.tagSize +
        Math.min(...n.cases.map((c) => c.fields.reduce((s, f) => s + minSize(f.node), 0)));
    case "app":
      return 2;
    default:
      return 0;
  }
}

/** True when `n` reads up to the end of its enclosing region (a "variable" encoding). */
export function consumesToEnd(n: Node): boolean {
  switch (n.t) {
    case "variableBytes":
    case "variableString":
    case "list":
      return true;
    case "checkSize":
    case "conv":
      return consumesToEnd(n.inner);
    case "ref":
      return guarded(n.decl, false, () => consumesToEnd(n.decl.node));
    case "merge":
      return consumesToEnd(n.parts[n.parts.length - 1]);
    case "obj":
      return n.fields.length > 0 && consumesToEnd(n.fields[n.fields.length - 1].node);
    case "union":
      return n.appCase !== undefined ||
        n.cases.some((c) =>
          c.fields.length > 0 && consumesToEnd(c.fields[c.fields.length - 1].node)
        );
    case "app":
      return true;
    default:
      return false;
  }
}

// The declarations being walked by `minSize` and `consumesToEnd`: a reference back to one of them
// (recursion) answers `atCycle` (for `minSize`, infinity: a value that recurses is never the
// smallest; for `consumesToEnd`, false: the question is answered by the way out of the cycle).
const walking = new Set<Decl>();

function guarded<T>(decl: Decl, atCycle: T, walk: () => T): T {
  if (walking.has(decl)) return atCycle;
  walking.add(decl);
  try {
    return walk();
  } finally {
    walking.delete(decl);
  }
}

/**
 * Checks the rules of a recursive declaration: each self reference must follow at least one byte
 * (so every level of nesting reads input) and must not be generic.
 */
export function validateRecursion(decl: Decl): void {
  if (!decl.recursion) return;
  if (isGeneric(decl.node)) {
    throw new RangeError(`${decl.name}: a recursive type cannot be generic`);
  }
  const check = (n: Node, before: number, path: string): void => {
    switch (n.t) {
      case "ref":
        if (n.decl === decl && before === 0) {
          throw new RangeError(`${path}: ${decl.name} refers to itself before reading a byte`);
        }
        return;
      case "dynamicSize":
        return check(n.inner, before + n.prefix, path);
      case "checkSize":
      case "conv":
        return check(n.inner, before, path);
      case "list":
        return check(n.element, before, `${path}[]`);
      case "obj":
      case "merge": {
        let at = before;
        const parts = n.t === "obj"
          ? n.fields.map((f) => ({ node: f.node, flag: f.optional ? 1 : 0 }))
          : n.parts.map((node) => ({ node, flag: 0 }));
        for (const { node, flag } of parts) {
          check(node, at + flag, path);
          // (An optional field may be absent: only its presence byte is sure to be read.)
          at += flag === 1 ? 1 : Math.min(minSize(node), 1);
        }
        return;
      }
      case "union":
        for (const c of n.cases) check({ t: "obj", fields: c.fields }, before + n.tagSize, path);
        return;
    }
  };
  check(decl.node, 0, decl.name);
}

/** True when `n` contains the generic application message (directly or through references). */
export function isGeneric(n: Node, seen: Set<Decl> = new Set()): boolean {
  switch (n.t) {
    case "app":
      return true;
    case "union":
      return n.appCase !== undefined ||
        n.cases.some((c) => c.fields.some((f) => isGeneric(f.node, seen)));
    case "obj":
      return n.fields.some((f) => isGeneric(f.node, seen));
    case "merge":
      return n.parts.some((p) => isGeneric(p, seen));
    case "dynamicSize":
    case "checkSize":
    case "conv":
      return isGeneric(n.inner, seen);
    case "list":
      return isGeneric(n.element, seen);
    case "ref":
      if (seen.has(n.decl)) return false;
      seen.add(n.decl);
      return isGeneric(n.decl.node, seen);
    default:
      return false;
  }
}

/**
 * Checks the rules data-encoding enforces when an encoding is built: a variable encoding only as
 * the last thing of a region, list elements that always take bytes, no standalone application
 * message. Throws a RangeError naming the path.
 */
export function validate(n: Node, path: string, last: boolean): void {
  switch (n.t) {
    case "variableBytes":
    case "variableString":
      if (!last) throw new RangeError(`${path}: variable-size field must be last in its region`);
      return;
    case "list":
      if (!last) throw new RangeError(`${path}: variable list must be last in its region`);
      if (minSize(n.element) === 0) throw new RangeError(`${path}: list elements of size 0`);
      if (consumesToEnd(n.element)) throw new RangeError(`${path}: list element is variable`);
      validate(n.element, `${path}[]`, false);
      return;
    case "dynamicSize":
      validate(n.inner, path, true);
      return;
    case "checkSize":
    case "conv":
      validate(n.inner, path, last);
      return;
    case "obj":
      n.fields.forEach((f, i) =>
        validate(f.node, `${path}.${f.name}`, last && i === n.fields.length - 1)
      );
      return;
    case "merge":
      n.parts.forEach((p, i) => {
        if (p.t !== "obj" && p.t !== "ref") {
          throw new RangeError(`${path}: a merged part must be an object or a reference`);
        }
        if (isGeneric(p)) throw new RangeError(`${path}: a merged part cannot be generic`);
        validate(p, path, last && i === n.parts.length - 1);
      });
      return;
    case "union":
      if (n.appCase !== undefined && (!last || n.tagSize !== 2)) {
        throw new RangeError(`${path}: application cases need a u16 union that ends its region`);
      }
      for (const c of n.cases) {
        c.fields.forEach((f, i) =>
          validate(f.node, `${path}.${c.name}.${f.name}`, last && i === c.fields.length - 1)
        );
      }
      return;
    case "app":
      throw new RangeError(`${path}: app() is only valid through a union's appCase`);
    case "ref":
      if (consumesToEnd(n.decl.node) && !last) {
        throw new RangeError(`${path}: ${n.decl.name} is variable and must be last in its region`);
      }
      return;
    default:
      return;
  }
}
