// `ganstyle oracle check|export`: the golden-vector suite as a product feature (FORMAT.md §8).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setNumThreads, useBackend, type BackendName } from '../backend.js';
import { checkManifest, validateManifest, type OracleManifest, type TensorLookup } from '../io/oracle.js';
import { exportFromTemplate } from '../io/oracle_export.js';
import { serializeSafetensors } from '../io/safetensors.js';
import { readSafetensorsFile, writeFileAtomic } from '../node/files.js';
import { registerNodeWasm } from '../node/wasm.js';

function loadSuite(manifestPath: string): { manifest: OracleManifest; lookup: TensorLookup } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new Error(`${manifestPath}: cannot read manifest: ${(e as Error).message}`);
  }
  const manifest = validateManifest(json, manifestPath);
  const tensorPath = path.resolve(path.dirname(manifestPath), manifest.tensors);
  const { tensors } = readSafetensorsFile(tensorPath);
  const lookup: TensorLookup = (name) => {
    const t = tensors.get(name);
    if (t === undefined) throw new Error(`${tensorPath}: no tensor named '${name}'`);
    return t;
  };
  return { manifest, lookup };
}

export function oracleCheck(manifestPath: string, opts: { backend: BackendName; threads?: number }, print: (line: string) => void): number {
  registerNodeWasm();
  useBackend(opts.backend);
  setNumThreads(opts.threads ?? 1);
  const { manifest, lookup } = loadSuite(manifestPath);
  const { passed, failed } = checkManifest(manifest, lookup, (r) => {
    for (const f of r.failures) print(`FAIL ${r.id}: ${f}`);
  });
  print(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

export function oracleExport(out: string, opts: { template: string; seed: number; backend: BackendName; ops?: string[] }, print: (line: string) => void): void {
  registerNodeWasm();
  useBackend(opts.backend);
  const { manifest: template, lookup } = loadSuite(opts.template);
  const tensorsFile = path.basename(out).replace(/\.json$/, '') + '.safetensors';
  const { manifest, tensors } = exportFromTemplate(template, lookup, {
    seed: opts.seed,
    tensorsFile,
    generator: `ganstyle (backend ${opts.backend}, float32)`,
    ops: opts.ops,
  });
  writeFileAtomic(path.join(path.dirname(out), tensorsFile), serializeSafetensors(tensors, { format: 'ganstyle-oracle/1' }));
  writeFileAtomic(out, new TextEncoder().encode(JSON.stringify(manifest, null, 1) + '\n'));
  print(`wrote ${manifest.cases.length} cases to ${out} and ${tensorsFile}`);
}
