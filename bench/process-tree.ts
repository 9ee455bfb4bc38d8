// Runs a command and samples the resident memory of it and every process it starts (/proc, every 50 ms): the peak of
// the sum is what an nx run costs in memory, nx and its task processes together. Linux only, as the bench is.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS of a /proc/<pid>/status text, in KiB; 0 when absent (a kernel thread, or a process already exiting). */
export function vmRssKb(status: string): number {
  return Number(/^VmRSS:\s+(\d+)\s*kB/m.exec(status)?.[1] ?? 0);
}

/** pid -> [parent pid, resident KiB] for every process visible now. */
function processTable(): Map<number, [number, number]> {
  const table = new Map<number, [number, number]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const rss = vmRssKb(status);
      table.set(Number(entry), [ppid, rss]);
    } catch {
      // Gone between readdir and read.
    }
  }
  return table;
}

function treeRss(root: number): number {
  const table = processTable();
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, [ppid]] of table)
      if (!inTree.has(pid) && inTree.has(ppid)) {
        inTree.add(pid);
        grew = true;
      }
  }
  let kb = 0;
  for (const pid of inTree) kb += table.get(pid)?.[1] ?? 0;
  return kb;
}

export interface TreeRun {
  ms: number;
  peakKb: number;
  code: number;
  output: string;
}

export function runSampled(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<TreeRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let peakKb = 0;
    const sample = () => {
      if (child.pid) peakKb = Math.max(peakKb, treeRss(child.pid));
    };
    const timer = setInterval(sample, 50);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, peakKb, code: code ?? 1, output });
    });
  });
}
