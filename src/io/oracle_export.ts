// Writes golden vectors of format `ganstyle-oracle/1` from this implementation (FORMAT.md §1.3):
// cases take their op, attributes and inputs from a template manifest (so input constraints such as
// SPD matrices, distinct pooling values or class indices carry over), draw a fresh upstream N(0, 1)
// per differentiable output from the seed, and store this library's outputs and gradients with
// tolerances chosen by the §7.2 recipe. Engine code: the caller reads and writes the files.
import { Tensor } from '../tensor.js';
import { Rng } from '../rng.js';
import { ORACLE_FORMAT, runCase, type OracleCase, type OracleManifest, type TensorLookup } from './oracle.js';

export interface ExportOptions {
  seed: number;
  /** File name of the tensor file, relative to the manifest. */
  tensorsFile: string;
  generator: string;
  /** Only cases whose op is listed (all when absent). */
  ops?: string[];
}

/** rtol by op; atol = 1e-6 × the smallest max|ref| over the case's tensors, two significant digits. */
function tolerance(op: string, refs: Tensor[]): { rtol: number; atol: number } {
  const rtol = op === 'lbfgs' ? 1e-3 : op === 'adam' || op === 'sgd' ? 2e-5 : 1e-4;
  const smallest = Math.min(...refs.map((t) => t.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
  return { rtol, atol: Number((1e-6 * smallest).toPrecision(2)) };
}

export function exportFromTemplate(template: OracleManifest, lookup: TensorLookup, opts: ExportOptions): { manifest: OracleManifest; tensors: Map<string, Tensor> } {
  const rng = new Rng(opts.seed);
  const tensors = new Map<string, Tensor>();
  const cases: OracleCase[] = [];
  const counters = new Map<string, number>();
  for (const t of template.cases) {
    if (opts.ops !== undefined && !opts.ops.includes(t.op)) continue;
    const n = counters.get(t.op) ?? 0;
    counters.set(t.op, n + 1);
    const id = `${t.op}/${String(n).padStart(3, '0')}`;
    const c: OracleCase = { id, op: t.op, attrs: t.attrs, inputs: {}, outputs: {}, tol: { rtol: 0, atol: 0 } };
    const name = (kind: string, key: string) => `${id}/${kind}/${key}`;
    for (const [k, src] of Object.entries(t.inputs)) {
      c.inputs[k] = name('in', k);
      tensors.set(c.inputs[k], lookup(src));
    }
    const localLookup: TensorLookup = (nm) => tensors.get(nm) ?? upstreams.get(nm)!;
    const upstreams = new Map<string, Tensor>();
    if (t.upstream !== undefined) {
      c.upstream = {};
      for (const [k, src] of Object.entries(t.upstream)) {
        const shape = lookup(src).shape;
        const u = Tensor.randn(shape, { rng });
        c.upstream[k] = name('upstream', k);
        upstreams.set(c.upstream[k], u);
      }
      c.grads = Object.fromEntries(Object.keys(t.grads ?? {}).map((k) => [k, name('grad', k)]));
    }
    for (const k of Object.keys(t.outputs)) c.outputs[k] = name('out', k);
    const got = runCase(c, localLookup);
    const refs: Tensor[] = [];
    for (const k of Object.keys(t.outputs)) {
      const v = got.get(`out/${k}`);
      if (v === undefined) throw new Error(`export ${id}: this implementation produced no output '${k}'`);
      refs.push(v);
    }
    for (const [nm, u] of upstreams) tensors.set(nm, u);
    for (const [k, nm] of Object.entries(c.grads ?? {})) {
      const g = got.get(`grad/${k}`);
      if (g === undefined) throw new Error(`export ${id}: this implementation produced no gradient for '${k}'`);
      refs.push(g);
      tensors.set(nm, g);
    }
    Object.keys(t.outputs).forEach((k, i) => tensors.set(c.outputs[k], refs[i]));
    for (const r of refs) {
      if (!r.data.every(Number.isFinite) || r.data.every((v) => v === 0)) throw new Error(`export ${id}: a reference tensor is non-finite or all zeros`);
    }
    c.tol = tolerance(t.op, refs);
    cases.push(c);
  }
  // Tensors in the order the manifest names them (§1.3).
  const ordered = new Map<string, Tensor>();
  for (const c of cases) {
    for (const map of [c.inputs, c.outputs, c.upstream ?? {}, c.grads ?? {}]) for (const nm of Object.values(map)) ordered.set(nm, tensors.get(nm)!);
  }
  const manifest: OracleManifest = { format: ORACLE_FORMAT, generator: opts.generator, seed: opts.seed, tensors: opts.tensorsFile, cases };
  return { manifest, tensors: ordered };
}
