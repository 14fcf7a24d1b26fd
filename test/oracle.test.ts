// Every case of the PyTorch golden suite (../shared/oracle/ops.json) on both backends, with the
// manifest's tolerances and the CLI's pass rule; an op the table lacks fails as "unsupported op".
// Op results are not zeroed when made (src/backend.ts resultArray), so the suite also runs with every
// new result filled with NaN first: an element an op's forward or backward forgets to write fails it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkManifest, validateManifest } from '../src/io/oracle.js';
import { readSafetensorsFile } from '../src/node/files.js';
import { setResultPoison } from '../src/backend.js';
import { BACKENDS, withBackend } from './helpers/backends.js';
import { needsShared, sharedDir } from './helpers/shared.js';

for (const backend of BACKENDS) {
  for (const poison of [false, true]) {
    test(`oracle ops.json passes every case on ${backend}${poison ? ', new results poisoned with NaN' : ''}`, { skip: needsShared }, () => {
      const file = path.join(sharedDir, 'oracle', 'ops.json');
      const manifest = validateManifest(JSON.parse(readFileSync(file, 'utf8')), file);
      const { tensors } = readSafetensorsFile(path.join(sharedDir, 'oracle', manifest.tensors));
      setResultPoison(poison);
      try {
        const { passed, failed, results } = withBackend(backend, () => checkManifest(manifest, (n) => tensors.get(n)!));
        const lines = results.filter((r) => !r.ok).map((r) => `${r.id}: ${r.failures.join('; ')}`);
        assert.equal(failed, 0, `${failed} failed:\n${lines.join('\n')}`);
        assert.equal(passed, manifest.cases.length);
        assert.ok(passed >= 152, 'the suite has 152 cases');
      } finally {
        setResultPoison(false);
      }
    });
  }
}
