#!/usr/bin/env node
// `ganstyle` entry point: re-runs itself once with glibc's malloc tuned for tensor work (see
// src/node/malloc_tunables.ts), before loading the command line itself (src/cli_program.ts).
import { reexecWithMallocTunables } from './node/malloc_tunables.js';

if (!reexecWithMallocTunables()) await import('./cli_program.js');
