// X-Road endpoint path globs (PathGlob): anchored at both ends; `*` = any run of bytes inside one
// segment (no '/'), `**` = any run of bytes including '/'; `\*` is a literal star; every other byte is
// literal. Compiled once at configure time; matching allocates nothing.

const STAR: i32 = -1;
const DSTAR: i32 = -2;

const EMPTY = new StaticArray<u8>(0);

// Any: "**"; Exact: no wildcard; Prefix: literal then "**"; Segment: literal then "*" (the common
// "/v1/items/*"); General: anything else (a small NFA).
enum Kind { Any = 0, Exact, Prefix, Segment, General }

export class Glob {
  source: string;
  private tok: StaticArray<i32>;
  private kind: Kind;
  /** NFA state sets for the general case (length tok+1). */
  private cur: StaticArray<u8> = EMPTY;
  private nxt: StaticArray<u8> = EMPTY;

  constructor(source: string) {
    this.source = source;
    const bytes = Uint8Array.wrap(String.UTF8.encode(source));
    const t = new Array<i32>();
    for (let i = 0; i < bytes.length; i++) {
      const c = <i32>bytes[i];
      if (c == 0x5c && i + 1 < bytes.length && bytes[i + 1] == 0x2a) { t.push(0x2a); i++; continue; }
      if (c == 0x2a) {
        if (i + 1 < bytes.length && bytes[i + 1] == 0x2a) { t.push(DSTAR); i++; }
        else t.push(STAR);
        continue;
      }
      t.push(c);
    }
    const n = t.length;
    const tok = new StaticArray<i32>(n);
    let wild = 0;
    for (let i = 0; i < n; i++) { tok[i] = t[i]; if (t[i] < 0) wild++; }
    this.tok = tok;
    if (n == 1 && t[0] == DSTAR) this.kind = Kind.Any;
    else if (wild == 0) this.kind = Kind.Exact;
    else if (wild == 1 && t[n - 1] == DSTAR) this.kind = Kind.Prefix;
    else if (wild == 1 && t[n - 1] == STAR) this.kind = Kind.Segment;
    else this.kind = Kind.General;
    this.cur = new StaticArray<u8>(this.kind == Kind.General ? n + 1 : 0);
    this.nxt = new StaticArray<u8>(this.kind == Kind.General ? n + 1 : 0);
  }

  /** Matches bytes p[0, len). */
  matches(p: usize, len: i32): bool {
    const tok = this.tok;
    const n = tok.length;
    switch (this.kind) {
      case Kind.Any: return true;
      case Kind.Exact: {
        if (len != n) return false;
        for (let i = 0; i < n; i++) if (<i32>load<u8>(p + <usize>i) != unchecked(tok[i])) return false;
        return true;
      }
      case Kind.Prefix: {
        const m = n - 1;
        if (len < m) return false;
        for (let i = 0; i < m; i++) if (<i32>load<u8>(p + <usize>i) != unchecked(tok[i])) return false;
        return true;
      }
      case Kind.Segment: {
        const m = n - 1;
        if (len < m) return false;
        for (let i = 0; i < m; i++) if (<i32>load<u8>(p + <usize>i) != unchecked(tok[i])) return false;
        for (let i = m; i < len; i++) if (load<u8>(p + <usize>i) == 0x2f) return false;
        return true;
      }
      default: return this.nfa(p, len);
    }
  }

  private nfa(p: usize, len: i32): bool {
    const tok = this.tok;
    const n = tok.length;
    let cur = this.cur, nxt = this.nxt;
    for (let i = 0; i <= n; i++) unchecked((cur[i] = 0));
    unchecked((cur[0] = 1));
    closure(tok, cur, n);
    for (let k = 0; k < len; k++) {
      const c = <i32>load<u8>(p + <usize>k);
      let any = false;
      for (let i = 0; i <= n; i++) unchecked((nxt[i] = 0));
      for (let i = 0; i < n; i++) {
        if (!unchecked(cur[i])) continue;
        const t = unchecked(tok[i]);
        if (t == DSTAR || (t == STAR && c != 0x2f)) { unchecked((nxt[i] = 1)); any = true; }
        else if (t == c) { unchecked((nxt[i + 1] = 1)); any = true; }
      }
      if (!any) return false;
      closure(tok, nxt, n);
      const x = cur; cur = nxt; nxt = x;
    }
    return unchecked(cur[n]) != 0;
  }
}

/** Wildcards may match nothing: a state on a wildcard also enables the state after it. */
function closure(tok: StaticArray<i32>, s: StaticArray<u8>, n: i32): void {
  for (let i = 0; i < n; i++) {
    if (unchecked(s[i]) && unchecked(tok[i]) < 0) unchecked((s[i + 1] = 1));
  }
}
