// `ganstyle bench`'s alternate(): every backend of a case timed in turn, round after round (A B A B),
// each row from its backend's fastest round; a peer that cannot run the case or fails is noted and
// left out, ganstyle's own failure propagates, and every runner is disposed once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alternate, type Entry } from '../../src/commands/bench.js';
import type { BenchCase, Peer, Runner } from '../../bench/report.js';

const busy = (ms: number) => {
  const t0 = performance.now();
  while (performance.now() - t0 < ms);
};

const fakePeer = (backend: string, threads: number): Peer => ({
  backend, threads,
  gemm: async () => null, conv2d: async () => null, ganStep: async () => null, vggTrain: async () => null,
  missing: () => undefined, close: async () => {},
});

const testCase: BenchCase<number> = { name: 'case', shape: 'tiny', flops: 1e6, params: 7 };

/** A runner whose calls take `msByRound[round]` ms; a call of round `failAt` throws. Logs (name, round). */
function runner(name: string, msByRound: number[], log: string[], disposed: Map<string, number>, failAt = -1): Runner {
  let calls = 0;
  return {
    run: () => {
      const round = Math.floor(calls++ / 2); // quick measure(): a first call, then one timed call
      log.push(`${name}${round}`);
      if (round === failAt) throw new Error(`${name} broke`);
      busy(msByRound[round]);
    },
    dispose: () => disposed.set(name, (disposed.get(name) ?? 0) + 1),
  };
}

test('alternate: A B A B order, each row its fastest round, lacking and failing peers noted, runners disposed once', async () => {
  const log: string[] = [], notes: string[] = [], disposed = new Map<string, number>(), nulls: string[] = [];
  const entries: Entry<number>[] = [
    { backend: 'ganstyle', make: (p) => (assert.equal(p, 7), runner('A', [25, 3], log, disposed)) },
    { backend: 'peer-b', peer: fakePeer('peer-b', 3), make: async () => runner('B', [3, 25], log, disposed) },
    { backend: 'peer-c', peer: fakePeer('peer-c', 1), make: async () => null, onNull: (c) => nulls.push(c.shape) },
    { backend: 'peer-d', peer: fakePeer('peer-d', 1), make: async () => runner('D', [1, 1], log, disposed, 1) },
  ];
  const rows = await alternate(testCase, entries, 1, 2, true, (l) => notes.push(l));
  assert.deepEqual(log, ['A0', 'A0', 'B0', 'B0', 'D0', 'D0', 'A1', 'A1', 'B1', 'B1', 'D1']);
  assert.equal(rows.length, 4);
  const [a, b, c, d] = rows;
  assert.ok(a !== null && a.ms < 15, `ganstyle's row is its fast second round: ${a?.ms}`);
  assert.ok(b !== null && b.ms < 15, `the peer's row is its fast first round: ${b?.ms}`);
  assert.equal(b.threads, 3, 'a peer row carries the thread count the peer reports');
  assert.equal(a.backend, 'ganstyle');
  assert.ok(Math.abs(a.gflops - testCase.flops / a.ms / 1e6) < 1e-9);
  assert.equal(c, null);
  assert.deepEqual(nulls, ['tiny']);
  assert.equal(d, null, 'a peer failing in any round has no row');
  assert.ok(notes.some((n) => n.includes('peer-d/1: case tiny failed: D broke')), notes.join('\n'));
  assert.deepEqual(Object.fromEntries(disposed), { A: 1, B: 1, D: 1 });
});

test('alternate: one round per entry when the entry says so; ganstyle failing rejects, after disposing every runner', async () => {
  const log: string[] = [], disposed = new Map<string, number>();
  const rows = await alternate(testCase, [{ backend: 'ganstyle', make: () => runner('A', [1, 1, 1], log, disposed), rounds: 1 }], 1, 3, true, () => {});
  assert.deepEqual(log, ['A0', 'A0']);
  assert.ok(rows[0] !== null);
  const log2: string[] = [], disposed2 = new Map<string, number>();
  await assert.rejects(
    alternate(testCase, [
      { backend: 'peer-b', peer: fakePeer('peer-b', 1), make: async () => runner('B', [1, 1], log2, disposed2) },
      { backend: 'ganstyle', make: () => runner('A', [1, 1], log2, disposed2, 1) },
    ], 1, 2, true, () => {}),
    /A broke/,
  );
  assert.deepEqual(Object.fromEntries(disposed2), { A: 1, B: 1 });
});

test('alternate: an entry `as` another case (a backward beside the forwards) is timed in the same rounds and rowed as that case', async () => {
  const log: string[] = [], disposed = new Map<string, number>();
  const backward: BenchCase<number> = { name: 'case_bwd', shape: 'tiny', flops: 2e6, params: 7 };
  const rows = await alternate(testCase, [
    { backend: 'ganstyle', make: () => runner('F', [2, 2], log, disposed) },
    { backend: 'peer-b', peer: fakePeer('peer-b', 1), make: async () => runner('B', [2, 2], log, disposed) },
    { backend: 'ganstyle', make: (p) => (assert.equal(p, 7), runner('G', [4, 4], log, disposed)), as: backward },
  ], 1, 2, true, () => {});
  assert.deepEqual(log, ['F0', 'F0', 'B0', 'B0', 'G0', 'G0', 'F1', 'F1', 'B1', 'B1', 'G1', 'G1']);
  const [f, , g] = rows;
  assert.ok(f !== null && g !== null);
  assert.equal(f.name, 'case');
  assert.equal(g.name, 'case_bwd');
  assert.ok(Math.abs(g.gflops - backward.flops / g.ms / 1e6) < 1e-9, 'the backward row counts its own FLOPs');
});

test('alternate: an entry with its own thread count (a one-thread pool beside the N-thread rows) is rowed with it', async () => {
  const log: string[] = [], disposed = new Map<string, number>();
  const rows = await alternate(testCase, [
    { backend: 'ganstyle', make: () => runner('N', [1, 1], log, disposed) },
    { backend: 'ganstyle', threads: 1, make: () => runner('S', [2, 2], log, disposed) },
  ], 2, 2, true, () => {});
  assert.deepEqual(log, ['N0', 'N0', 'S0', 'S0', 'N1', 'N1', 'S1', 'S1']);
  assert.deepEqual(rows.map((r) => r?.threads), [2, 1]);
});
