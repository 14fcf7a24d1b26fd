// Location of ../shared (oracle, models, fixtures, images) beside the project root; tests that need
// it skip with this message when it is absent (a user's clone).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
// Works from test/helpers (tsx) and dist/test/helpers (compiled).
const root = [path.resolve(here, '../..'), path.resolve(here, '../../..')].find((p) => existsSync(path.join(p, 'package.json')))!;

export const projectRoot = root;
export const sharedDir = path.resolve(root, '../shared');
export const hasShared = existsSync(path.join(sharedDir, 'oracle', 'ops.json'));
export const needsShared: string | false = hasShared ? false : `skipped: ../shared not found beside the project (${sharedDir})`;
