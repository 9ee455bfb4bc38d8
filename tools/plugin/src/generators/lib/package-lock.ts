// Registers a new workspace package in package-lock.json the way `npm install` would, so `npm ci` stays in sync
// without a network round trip (and without touching node_modules, which may be shared).
import { readJson, type Tree } from '@nx/devkit';

const LOCK = 'package-lock.json';

interface LockFile {
  packages?: Record<string, unknown>;
}

export function addWorkspacePackageToLock(
  tree: Tree,
  dir: string,
  pkg: { name: string; version: string; dependencies?: Record<string, string> },
): void {
  if (!tree.exists(LOCK)) return;
  const lock = readJson<LockFile>(tree, LOCK);
  if (!lock.packages) return;
  const entries = Object.entries(lock.packages).filter(([key]) => key !== dir && key !== `node_modules/${pkg.name}`);
  entries.push([dir, { name: pkg.name, version: pkg.version, ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}) }]);
  entries.push([`node_modules/${pkg.name}`, { resolved: dir, link: true }]);
  // npm keeps the root package ('') first and every other key in 'en' locale order.
  entries.sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en')));
  lock.packages = Object.fromEntries(entries);
  tree.write(LOCK, JSON.stringify(lock, null, 2) + '\n');
}
