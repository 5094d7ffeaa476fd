// Fetch Headers over a Map, for a call's headers while it stays in this
// process: undici's Headers validates every name and value on each set,
// which was a tenth of an in-process call's CPU. Names are lowercased as
// Headers does; nothing is validated here, because what is set comes from
// Chirp's own code or from Node's HTTP parser, and a header that leaves the
// process is checked by Node's HTTP/2 layer when it is sent.
type HeadersInit = ConstructorParameters<typeof Headers>[0];

export class LightHeaders implements Headers {
  private readonly map = new Map<string, string>();

  constructor(init?: HeadersInit) {
    if (init === undefined) return;
    if (Symbol.iterator in init) {
      for (const [k, v] of init as Iterable<string[]>) this.append(k!, v!);
      return;
    }
    for (const k of Object.keys(init)) {
      const v = init[k]!;
      if (typeof v === "string") this.append(k, v);
      else for (const one of v) this.append(k, one);
    }
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const old = this.map.get(key);
    this.map.set(key, old === undefined ? value : `${old}, ${value}`);
  }

  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }

  getSetCookie(): string[] {
    const v = this.map.get("set-cookie");
    return v === undefined ? [] : [v];
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }

  forEach(callback: (value: string, key: string, headers: Headers) => void, thisArg?: unknown): void {
    for (const [k, v] of this.map) callback.call(thisArg, v, k, this);
  }

  entries(): MapIterator<[string, string]> {
    return this.map.entries();
  }

  keys(): MapIterator<string> {
    return this.map.keys();
  }

  values(): MapIterator<string> {
    return this.map.values();
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }
}
