// The bench's /proc reading: resident memory from a process's status file.
import { describe, expect, it } from 'vitest';
import { vmRssKb } from './process-tree';

const STATUS = `Name:\tnode
State:\tS (sleeping)
Pid:\t4242
PPid:\t1
VmPeak:\t 1234567 kB
VmHWM:\t   98765 kB
VmRSS:\t   61234 kB
RssAnon:\t   40000 kB
`;

describe('vmRssKb', () => {
  it('reads VmRSS, not the peak or high-water lines around it', () => {
    expect(vmRssKb(STATUS)).toBe(61234);
  });

  it('gives 0 for a status without VmRSS (a kernel thread or an exiting process)', () => {
    expect(vmRssKb('Name:\tkthreadd\nState:\tS (sleeping)\n')).toBe(0);
  });
});
