// Golden-vector suites of format `ganstyle-oracle/1` (spec: ../shared/oracle/FORMAT.md): validate a
// manifest, run each case through the op table (or the optimizers), and apply the pass rule
//   err = max|act − ref| ≤ atol + rtol · max|ref|   per tensor, exact shape, every element finite.
// Engine code: works on parsed JSON and a tensor lookup; files are read by the Node adapter.
import { Tensor } from '../tensor.js';
import { ops } from '../ops/index.js';
import { fmt, shapeEq } from '../shape.js';
import { runOptimizerCase } from './oracle_optim.js';

export const ORACLE_FORMAT = 'ganstyle-oracle/1';

export interface OracleTol {
  rtol: number;
  atol: number;
}

export interface OracleCase {
  id: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  upstream?: Record<string, string>;
  grads?: Record<string, string>;
  tol: OracleTol;
}

export interface OracleManifest {
  format: string;
  generator?: string;
  seed?: number;
  tensors: string;
  cases: OracleCase[];
}

export type TensorLookup = (name: string) => Tensor;

export interface CaseResult {
  id: string;
  ok: boolean;
  /** One line per failed tensor: which tensor, error and bound (or why it could not run). */
  failures: string[];
}

/** Checks the manifest's structure; errors name the file and the offending case. */
export function validateManifest(json: unknown, file: string): OracleManifest {
  const bad = (msg: string): never => {
    throw new Error(`${file}: ${msg}`);
  };
  if (typeof json !== 'object' || json === null) bad('manifest is not a JSON object');
  const m = json as Partial<OracleManifest>;
  if (m.format !== ORACLE_FORMAT) bad(`format is ${JSON.stringify(m.format)}, expected "${ORACLE_FORMAT}"`);
  if (typeof m.tensors !== 'string') bad('"tensors" (path of the tensor file) is missing');
  if (!Array.isArray(m.cases)) bad('"cases" is not an array');
  for (const [i, c] of m.cases!.entries()) {
    const where = `case ${i} (${(c as OracleCase)?.id ?? 'no id'})`;
    if (typeof c?.id !== 'string' || typeof c.op !== 'string') bad(`${where}: needs string "id" and "op"`);
    for (const k of ['attrs', 'inputs', 'outputs', 'tol'] as const) if (typeof c[k] !== 'object' || c[k] === null) bad(`${where}: "${k}" missing`);
    if ((c.upstream === undefined) !== (c.grads === undefined)) bad(`${where}: "upstream" and "grads" must be both present or both absent`);
    if (!Number.isFinite(c.tol.rtol) || !Number.isFinite(c.tol.atol)) bad(`${where}: tol needs finite rtol and atol`);
  }
  return m as OracleManifest;
}

/** The pass rule for one tensor: null when it passes, else a reason with error and bound. */
export function compareTensor(act: Tensor | undefined, ref: Tensor, tol: OracleTol): string | null {
  if (act === undefined) return 'missing';
  if (!shapeEq(act.shape, ref.shape)) return `shape ${fmt(act.shape)}, expected ${fmt(ref.shape)}`;
  let err = 0, refMax = 0, nonFinite = -1;
  for (let i = 0; i < ref.size; i++) {
    const a = act.data[i], r = ref.data[i];
    if (!Number.isFinite(a) && nonFinite < 0) nonFinite = i;
    err = Math.max(err, Math.abs(a - r));
    refMax = Math.max(refMax, Math.abs(r));
  }
  if (nonFinite >= 0) return `non-finite value ${act.data[nonFinite]} at index ${nonFinite}`;
  const bound = tol.atol + tol.rtol * refMax;
  return err <= bound ? null : `error ${err.toExponential(3)} > bound ${bound.toExponential(3)}`;
}

const OPTIMIZERS = new Set(['adam', 'sgd', 'lbfgs']);

/** Runs one case: returns the computed tensors keyed 'out/<key>' and 'grad/<key>'. */
export function runCase(c: OracleCase, lookup: TensorLookup): Map<string, Tensor> {
  const result = new Map<string, Tensor>();
  if (OPTIMIZERS.has(c.op)) {
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, n]) => [k, lookup(n)]));
    for (const [k, t] of runOptimizerCase(c.op, c.attrs, inputs)) result.set(`out/${k}`, t);
    return result;
  }
  const op = (ops as Record<string, { run(i: Record<string, Tensor>, a: unknown): Tensor }>)[c.op];
  if (op === undefined) throw new Error('unsupported op');
  const grads = c.grads ?? {};
  // Fresh copies: ops may update inputs in place (batch_norm running statistics).
  const inputs: Record<string, Tensor> = {};
  for (const [k, name] of Object.entries(c.inputs)) {
    const ref = lookup(name);
    inputs[k] = new Tensor(ref.data.slice(), ref.shape, k in grads);
  }
  const out = op.run(inputs, c.attrs);
  for (const k of Object.keys(c.outputs)) result.set(`out/${k}`, k === 'out' ? out : inputs[k]);
  if (c.upstream !== undefined && Object.keys(grads).length > 0) {
    const dy = lookup(c.upstream.out);
    out.backward(dy);
    for (const k of Object.keys(grads)) if (inputs[k].grad !== null) result.set(`grad/${k}`, inputs[k].grad!);
  }
  return result;
}

export function checkCase(c: OracleCase, lookup: TensorLookup): CaseResult {
  let got: Map<string, Tensor>;
  try {
    got = runCase(c, lookup);
  } catch (e) {
    return { id: c.id, ok: false, failures: [(e as Error).message] };
  }
  const failures: string[] = [];
  const check = (kind: 'out' | 'grad', map: Record<string, string>) => {
    for (const [k, name] of Object.entries(map)) {
      const why = compareTensor(got.get(`${kind}/${k}`), lookup(name), c.tol);
      if (why !== null) failures.push(`${kind === 'out' ? 'output' : 'grad'} ${k}: ${why}`);
    }
  };
  check('out', c.outputs);
  check('grad', c.grads ?? {});
  return { id: c.id, ok: failures.length === 0, failures };
}

/** Checks every case; `onResult` sees each result as it is produced. */
export function checkManifest(m: OracleManifest, lookup: TensorLookup, onResult?: (r: CaseResult) => void): { passed: number; failed: number; results: CaseResult[] } {
  const results: CaseResult[] = [];
  for (const c of m.cases) {
    const r = checkCase(c, lookup);
    results.push(r);
    onResult?.(r);
  }
  const passed = results.filter((r) => r.ok).length;
  return { passed, failed: results.length - passed, results };
}
