/**
 * Character sets for the redaction pattern engine: sorted UTF-16 code-unit ranges with an ASCII
 * bitmap, so the matcher tests a character with one array read in the common case.
 */

export class CharSet {
  /** Flat sorted, merged [low, high] pairs. */
  public readonly ranges: number[];
  private readonly ascii: Uint8Array;
  private readonly hasNonAscii: boolean;

  public constructor(ranges: number[]) {
    this.ranges = normalise(ranges);
    this.ascii = new Uint8Array(128);
    let nonAscii = false;
    for (let i = 0; i < this.ranges.length; i += 2) {
      const lo = this.ranges[i] ?? 0;
      const hi = this.ranges[i + 1] ?? 0;
      for (let c = lo; c <= Math.min(hi, 127); c += 1) this.ascii[c] = 1;
      if (hi > 127) nonAscii = true;
    }
    this.hasNonAscii = nonAscii;
  }

  public has(code: number): boolean {
    if (code < 128) return this.ascii[code] === 1;
    if (!this.hasNonAscii) return false;
    const r = this.ranges;
    for (let i = 0; i < r.length; i += 2) {
      if (code < (r[i] ?? 0)) return false;
      if (code <= (r[i + 1] ?? 0)) return true;
    }
    return false;
  }

  public isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** Number of code units in the set (for enumerating small sets). */
  public size(): number {
    let total = 0;
    for (let i = 0; i < this.ranges.length; i += 2) total += (this.ranges[i + 1] ?? 0) - (this.ranges[i] ?? 0) + 1;
    return total;
  }

  public codes(limit: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.ranges.length && out.length < limit; i += 2) {
      for (let c = this.ranges[i] ?? 0; c <= (this.ranges[i + 1] ?? 0) && out.length < limit; c += 1) out.push(c);
    }
    return out;
  }

  public union(other: CharSet): CharSet {
    return new CharSet([...this.ranges, ...other.ranges]);
  }

  public intersects(other: CharSet): boolean {
    const a = this.ranges;
    const b = other.ranges;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const alo = a[i] ?? 0;
      const ahi = a[i + 1] ?? 0;
      const blo = b[j] ?? 0;
      const bhi = b[j + 1] ?? 0;
      if (ahi < blo) i += 2;
      else if (bhi < alo) j += 2;
      else return true;
    }
    return false;
  }

  public negate(): CharSet {
    const out: number[] = [];
    let next = 0;
    for (let i = 0; i < this.ranges.length; i += 2) {
      const lo = this.ranges[i] ?? 0;
      if (lo > next) out.push(next, lo - 1);
      next = (this.ranges[i + 1] ?? 0) + 1;
    }
    if (next <= 0xffff) out.push(next, 0xffff);
    return new CharSet(out);
  }

  /** Adds the other letter case of ASCII and Latin-1 letters (the documented extent of the `i` flag). */
  public caseFolded(): CharSet {
    const extra: number[] = [];
    for (const c of this.codes(0x250)) {
      if (c >= 65 && c <= 90) extra.push(c + 32, c + 32);
      else if (c >= 97 && c <= 122) extra.push(c - 32, c - 32);
      else if (c >= 0xc0 && c <= 0xde && c !== 0xd7) extra.push(c + 32, c + 32);
      else if (c >= 0xe0 && c <= 0xfe && c !== 0xf7) extra.push(c - 32, c - 32);
    }
    return extra.length === 0 ? this : new CharSet([...this.ranges, ...extra]);
  }
}

function normalise(ranges: number[]): number[] {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i + 1 < ranges.length; i += 2) pairs.push([ranges[i] ?? 0, ranges[i + 1] ?? 0]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= (out[last] ?? 0) + 1) out[last] = Math.max(out[last] ?? 0, hi);
    else out.push(lo, hi);
  }
  return out;
}

export const DIGIT = new CharSet([48, 57]);
export const WORD = new CharSet([48, 57, 65, 90, 95, 95, 97, 122]);
export const SPACE = new CharSet([
  9, 13, 32, 32, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff,
]);
/** `.` matches anything but line terminators. */
export const DOT = new CharSet([10, 10, 13, 13, 0x2028, 0x2029]).negate();

export function isWordCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || code === 95 || (code >= 97 && code <= 122);
}
