// The CLI's re-exec with glibc malloc tunables: the child sees them, runs once (no loop), gets the
// arguments, and its exit code becomes the parent's; GANSTYLE_MALLOC_TUNING=0 keeps one process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const moduleUrl = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/node/malloc_tunables.js')).href;
const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
const glibc = process.platform === 'linux' && typeof report?.header?.glibcVersionRuntime === 'string';

function run(env: NodeJS.ProcessEnv): { status: number | null; lines: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ganstyle-malloc-'));
  try {
    const script = path.join(dir, 'entry.mjs');
    writeFileSync(
      script,
      `import { reexecWithMallocTunables } from ${JSON.stringify(moduleUrl)};\n` +
        `if (!reexecWithMallocTunables()) {\n` +
        `  console.log(JSON.stringify({ tunables: process.env.GLIBC_TUNABLES ?? null, args: process.argv.slice(2) }));\n` +
        `  process.exitCode = 3;\n}\n`,
    );
    const r = spawnSync(process.execPath, [script, 'a b', '--x'], { env: { ...process.env, GLIBC_TUNABLES: '', ...env }, encoding: 'utf8' });
    return { status: r.status, lines: r.stdout.trim().split('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('malloc tunables: the re-run child has them, the arguments, and passes its exit code on', { skip: glibc ? false : 'not glibc: nothing to tune' }, () => {
  const { status, lines } = run({});
  assert.equal(status, 3);
  assert.equal(lines.length, 1, 'the command ran exactly once');
  const out = JSON.parse(lines[0]) as { tunables: string | null; args: string[] };
  assert.match(out.tunables ?? '', /glibc\.malloc\.mmap_threshold=4294967296/);
  assert.match(out.tunables ?? '', /glibc\.malloc\.trim_threshold=4294967296/);
  assert.deepEqual(out.args, ['a b', '--x']);
});

test('malloc tunables: GANSTYLE_MALLOC_TUNING=0 runs in place', () => {
  const { status, lines } = run({ GANSTYLE_MALLOC_TUNING: '0' });
  assert.equal(status, 3);
  assert.deepEqual(JSON.parse(lines[0]), { tunables: '', args: ['a b', '--x'] });
});
