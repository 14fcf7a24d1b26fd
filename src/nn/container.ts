// Containers (torch.nn.Sequential, torch.nn.ModuleList): children named 0, 1, 2, … so their
// parameters are `0.weight`, `3.running_mean`; a Record gives named children instead.
//   const net = new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 1));
//   net.forward(x); net[0] === net.at(0); net.at(-1) is the last Linear.
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Sets seq[i] = the i-th child (by position, whatever its name). */
function indexChildren(c: Sequential | ModuleList): void {
  c.children().forEach((m, i) => (c[i] = m));
}

function appendChild(kind: string, c: Sequential | ModuleList, m: Module): void {
  const name = String(c.length);
  if (c.namedChildren().some(([n]) => n === name)) throw new Error(`${kind}.append: a child named '${name}' already exists`);
  c.registerModule(name, m);
  indexChildren(c);
}

function normIndex(kind: string, i: number, n: number): number {
  const j = i < 0 ? i + n : i;
  if (!Number.isInteger(i) || j < 0 || j >= n) throw new RangeError(`${kind}: index ${i} is out of range (length ${n})`);
  return j;
}

/** Modules applied in order, each to the previous one's output. */
export class Sequential extends Module {
  [index: number]: Module;

  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && !(first instanceof Module) && typeof first === 'object' && first !== null) {
      for (const [name, m] of Object.entries(first)) this.registerModule(name, m);
      indexChildren(this);
    } else {
      for (const m of modules as Module[]) this.append(m);
    }
  }

  get length(): number {
    return this.children().length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    return this.children()[normIndex('Sequential', i, this.length)];
  }

  /** Adds a module at the end, named by its position. */
  append(m: Module): this {
    appendChild('Sequential', this, m);
    return this;
  }

  /** torch's seq[start:end]: a Sequential sharing the modules and keeping their names. */
  slice(start?: number, end?: number): Sequential {
    const out = new Sequential();
    for (const [name, m] of this.namedChildren().slice(start, end)) out.registerModule(name, m);
    indexChildren(out);
    return out;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.children()) y = m.forward(y);
    return y;
  }
}

/** A list of submodules (no forward): layers built in a loop, named 0, 1, 2, …. */
export class ModuleList extends Module {
  [index: number]: Module;

  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  get length(): number {
    return this.children().length;
  }

  at(i: number): Module {
    return this.children()[normIndex('ModuleList', i, this.length)];
  }

  append(m: Module): this {
    appendChild('ModuleList', this, m);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ModuleList: has no forward; call its modules');
  }
}
