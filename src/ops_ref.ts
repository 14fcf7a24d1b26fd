// Late binding of the op table for tensor.ts and autograd.ts. The op files import Tensor, so if
// Tensor imported the op table directly, entering the module graph through an op file would run
// that op's defineOp before op.ts had been evaluated. src/ops/index.ts binds itself here on load.
import type { F as OpTable } from './ops/index.js';

let table: typeof OpTable | null = null;

export function bindOps(f: typeof OpTable): void {
  table = f;
}

export function opsTable(): typeof OpTable {
  if (table === null) throw new Error('ganstyle: the op table is not loaded; import from the package entry or src/ops/index.js');
  return table;
}
