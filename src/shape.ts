// Shape arithmetic shared by tensors and ops: sizes, strides, NumPy broadcasting, conv output sizes.
// Every error names the op and the shapes involved.

export type Shape = readonly number[];

export class ShapeError extends Error {
  override name = 'ShapeError';
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapeEq(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: invalid shape ${fmt(shape)} (sizes must be non-negative integers)`);
  }
}

/** NumPy broadcasting: right-align, missing axes count as 1, a size-1 axis stretches. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast (axis ${i - rank}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` read as if broadcast to `target` (0 on stretched or missing axes). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const off = target.length - shape.length;
  return target.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : own[i - off]));
}

/** Normalises a possibly negative axis; throws if out of range. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= Math.max(rank, 1)) {
    throw new ShapeError(`${op}: dim ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** A [h, w] pair from a number or a pair (torch accepts both). */
export function pair(op: string, name: string, v: number | readonly number[]): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || !p.every(Number.isFinite) || (typeof v !== 'number' && v.length !== 2)) {
    throw new RangeError(`${op}: ${name} must be a number or a [height, width] pair of finite numbers, got ${JSON.stringify(v)}`);
  }
  return p;
}

export function checkFinite(op: string, attrs: object): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`${op}: ${k} must be finite, got ${v}`);
  }
}
