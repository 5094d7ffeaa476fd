// A segment trie compiled from path templates: a lookup costs one step per
// path segment whatever the number of routes. Literal children are tried
// before "*" and "*" before "**", so the most specific template wins; when
// the path matches but the HTTP method does not, the caller gets the methods
// that would have (for 405 and its Allow header).
//
// The walk reads the path in place (offsets, startsWith) instead of
// splitting it: fresh substrings would have to be hashed for every map
// lookup, which cost more than the whole walk. Nodes with many literal
// children fall back to a map.
import type { PathTemplate } from "./path-template.js";

interface Node<T> {
  /** Literal children: names and nodes side by side (an indexed loop, no iterator). */
  literalNames: string[];
  literalNodes: Array<Node<T>>;
  /** Built when a node has many literal children. */
  literalMap: Map<string, Node<T>> | undefined;
  any: Node<T> | undefined;
  deep: Node<T> | undefined;
  /** verb ("" for none) → HTTP method → route */
  leaves: Map<string, Map<string, T>>;
}

export type RouteMatch<T> =
  | { kind: "found"; route: T; segments: string[] }
  | { kind: "method_not_allowed"; allow: string[] }
  | { kind: "not_found" };

const MAP_ABOVE = 8;
const UPPER = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);

const newNode = <T>(): Node<T> => ({ literalNames: [], literalNodes: [], literalMap: undefined, any: undefined, deep: undefined, leaves: new Map() });

/** Methods of routes whose path matched, collected only when one did (the 405 case). */
interface Allowed {
  methods: Set<string> | undefined;
}

/** "/a/b/c" (up to `end`) → ["a", "b", "c"]: the raw segments of a match. */
function splitPath(path: string, end: number): string[] {
  const out: string[] = [];
  let start = 1;
  for (;;) {
    const slash = path.indexOf("/", start);
    if (slash < 0 || slash >= end) {
      out.push(path.substring(start, end));
      return out;
    }
    out.push(path.substring(start, slash));
    start = slash + 1;
  }
}

export class Router<T> {
  private readonly root: Node<T> = newNode();
  private count = 0;

  /** Throws when the same method, template shape and verb are added twice. */
  add(httpMethod: string, template: PathTemplate, route: T): void {
    let node = this.root;
    for (const s of template.segments) {
      if (s.kind === "literal") {
        let next = node.literalNodes[node.literalNames.indexOf(s.value)];
        if (!next) {
          next = newNode();
          node.literalNames.push(s.value);
          node.literalNodes.push(next);
          if (node.literalNames.length > MAP_ABOVE) node.literalMap = new Map(node.literalNames.map((n, i) => [n, node.literalNodes[i]!]));
        }
        node = next;
      } else if (s.kind === "any") node = node.any ??= newNode();
      else node = node.deep ??= newNode();
    }
    const verb = template.verb ?? "";
    let methods = node.leaves.get(verb);
    if (!methods) node.leaves.set(verb, (methods = new Map()));
    const method = httpMethod.toUpperCase();
    if (methods.has(method)) throw new Error(`two routes for ${method} ${template.source}`);
    methods.set(method, route);
    this.count++;
  }

  get size(): number {
    return this.count;
  }

  /**
   * `path` is the raw path (no query), still percent-encoded: the segments
   * returned are raw too, so that variables can apply the template rules for
   * decoding ('%2F' stays encoded in multi-segment variables).
   */
  match(httpMethod: string, path: string): RouteMatch<T> {
    if (path.charCodeAt(0) !== 47 /* / */) return { kind: "not_found" };
    const method = UPPER.has(httpMethod) ? httpMethod : httpMethod.toUpperCase();
    const allow: Allowed = { methods: undefined };
    // With a verb candidate ("users:batchGet" → "users" + "batchGet") first:
    // a verb route is more specific than a variable swallowing the colon.
    const colon = path.lastIndexOf(":");
    if (colon > path.lastIndexOf("/") + 1) {
      const found = this.search(this.root, path, 1, colon, path.substring(colon + 1), method, allow);
      if (found !== undefined) return { kind: "found", route: found, segments: splitPath(path, colon) };
    }
    const found = this.search(this.root, path, 1, path.length, "", method, allow);
    if (found !== undefined) return { kind: "found", route: found, segments: splitPath(path, path.length) };
    if (allow.methods) return { kind: "method_not_allowed", allow: [...allow.methods].sort() };
    return { kind: "not_found" };
  }

  /** `pos` is where the next segment starts; past `end`, the path is used up. */
  private search(node: Node<T>, path: string, pos: number, end: number, verb: string, method: string, allow: Allowed): T | undefined {
    if (pos > end) {
      const hit = this.leaf(node, verb, method, allow);
      if (hit !== undefined) return hit;
      // "**" also matches zero segments.
      return node.deep ? this.leaf(node.deep, verb, method, allow) : undefined;
    }
    let segEnd = path.indexOf("/", pos);
    if (segEnd < 0 || segEnd > end) segEnd = end;
    const len = segEnd - pos;
    if (node.literalMap) {
      const child = node.literalMap.get(path.substring(pos, segEnd));
      if (child) {
        const hit = this.search(child, path, segEnd + 1, end, verb, method, allow);
        if (hit !== undefined) return hit;
      }
    } else {
      const names = node.literalNames;
      for (let i = 0; i < names.length; i++) {
        const lit = names[i]!;
        if (lit.length !== len || !path.startsWith(lit, pos)) continue;
        const hit = this.search(node.literalNodes[i]!, path, segEnd + 1, end, verb, method, allow);
        if (hit !== undefined) return hit;
      }
    }
    // A single-segment wildcard never matches an empty segment ("/users//x").
    if (node.any && len > 0) {
      const hit = this.search(node.any, path, segEnd + 1, end, verb, method, allow);
      if (hit !== undefined) return hit;
    }
    if (node.deep) return this.leaf(node.deep, verb, method, allow);
    return undefined;
  }

  private leaf(node: Node<T>, verb: string, method: string, allow: Allowed): T | undefined {
    const methods = node.leaves.get(verb);
    if (!methods) return undefined;
    const hit = methods.get(method);
    if (hit === undefined) for (const m of methods.keys()) (allow.methods ??= new Set()).add(m);
    return hit;
  }
}
