// glibc malloc settings for tensor workloads, applied by re-running the CLI once with them set.
// Every op returns a fresh Float32Array; Node allocates its backing store with calloc. Past glibc's
// mmap threshold (128 KB, adaptive up to 32 MB) each one is a fresh mmap and every page faults on
// first touch (measured here: ≈ 3 ms per MB — 64 MB ≈ 210 ms), and freed heap tops are trimmed
// back to the OS. With both thresholds at 4 GB the freed blocks are reused (a fresh 64 MB array:
// 210 → 4.6 ms; `fast stylize` of a 1024×768 photo: 293k → 174k page faults, 11.2 → 10.4 s; the
// MLP GAN's small buffers gain little). The tunables are read only at process start, hence the re-exec;
// other libcs (musl, macOS) ignore the variable, so it is only set where glibc runs.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const TUNABLES = 'glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296';
/** Set to 0 to keep the process as started (no re-exec). */
export const REEXEC_ENV = 'GANSTYLE_MALLOC_TUNING';

function runsOnGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return typeof header?.glibcVersionRuntime === 'string';
}

/**
 * When this process runs on glibc without the tunables, runs the same command again with them and
 * returns true (the caller must then do nothing else: the child's exit code becomes ours).
 */
export function reexecWithMallocTunables(): boolean {
  const env = process.env;
  if (env[REEXEC_ENV] === '0' || env.GLIBC_TUNABLES?.includes('glibc.malloc.mmap_threshold') || !runsOnGlibc()) return false;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...env, GLIBC_TUNABLES: env.GLIBC_TUNABLES ? `${env.GLIBC_TUNABLES}:${TUNABLES}` : TUNABLES, [REEXEC_ENV]: '0' },
  });
  // A terminal's Ctrl-C reaches the whole process group, so the child gets it itself; signals sent
  // to this process alone are passed on. Either way the child decides when to stop.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
  return true;
}
