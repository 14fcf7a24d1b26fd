// Argument checks shared by the layers (not a layer): torch raises ValueError for these; here a
// RangeError naming the layer and the argument.

export function checkInt(layer: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${layer}: ${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** A [height, width] pair of integers ≥ min from a number or a pair (torch accepts both). */
export function intPair(layer: string, name: string, v: unknown, min: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= min)) {
    throw new RangeError(`${layer}: ${name} must be an integer ≥ ${min} or a [height, width] pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

export function checkNumber(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${layer}: ${name} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

export function checkBool(layer: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${layer}: ${name} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

/** Rejects option names the layer does not know (a typo would otherwise be a silent default). */
export function checkOptions(layer: string, opts: object, known: readonly string[]): void {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`${layer}: options must be an object, got ${JSON.stringify(opts)}`);
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new TypeError(`${layer}: unknown option '${k}' (known: ${known.join(', ')})`);
  }
}
