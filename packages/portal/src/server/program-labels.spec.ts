import { describe, expect, it } from 'vitest';
import { parseEnvironment, programForApplication, readProgramEnvironments, readProgramLabels } from './program-labels';

const JUPYTER_CONF = `; rendered by @vast/conventions
[program:jupyter]
command=/opt/supervisor-scripts/jupyter.sh
environment=PROC_NAME="%(program_name)s",VAST_PORTAL_LABEL="Jupyter"
autostart=true
`;

describe('readProgramEnvironments', () => {
  it('reads the environment of every program section, expanding %(program_name)s', () => {
    const text = `${JUPYTER_CONF}
[program:caddy]
environment=PROC_NAME="%(program_name)s"

[group:x]
environment=IGNORED="1"
`;
    expect(readProgramEnvironments(text)).toEqual(
      new Map([
        ['jupyter', { PROC_NAME: 'jupyter', VAST_PORTAL_LABEL: 'Jupyter' }],
        ['caddy', { PROC_NAME: 'caddy' }],
      ]),
    );
  });

  it('joins continuation lines', () => {
    const text = '[program:a]\nenvironment=A="1",\n  VAST_PORTAL_LABEL="Model UI"\n';
    expect(readProgramEnvironments(text).get('a')).toEqual({ A: '1', VAST_PORTAL_LABEL: 'Model UI' });
  });
});

describe('parseEnvironment', () => {
  it('reads quoted, single-quoted and bare values, %% and inline comments', () => {
    expect(parseEnvironment(`A="x, y",B='z',C=bare,D=100%%,E=v ; comment`, 'p')).toEqual({
      A: 'x, y',
      B: 'z',
      C: 'bare',
      D: '100%',
      E: 'v',
    });
  });

  it('keeps the upstream quirk of a dot after PROC_NAME readable', () => {
    expect(parseEnvironment('PROC_NAME="%(program_name)s".TUNNEL_MANAGER="http://localhost:11112"', 'instance_portal')).toMatchObject({
      PROC_NAME: 'instance_portal',
    });
  });
});

describe('programForApplication', () => {
  const labels = readProgramLabels([
    JUPYTER_CONF,
    '[program:instance_portal]\nenvironment=VAST_PORTAL_LABEL="Instance Portal"\n',
    '[program:model_ui]\nenvironment=VAST_PORTAL_LABEL="model ui"\n',
    '[program:ui]\nenvironment=VAST_PORTAL_LABEL="UI"\n',
  ]);

  it('matches labels ignoring case', () => {
    expect(programForApplication('instance portal', labels)).toBe('instance_portal');
    expect(programForApplication('Model UI', labels)).toBe('model_ui');
  });

  it("gives a link the program whose label it contains (exit_portal's rule), longest label first", () => {
    expect(programForApplication('Jupyter Terminal', labels)).toBe('jupyter');
    expect(programForApplication('Model UI (beta)', labels)).toBe('model_ui');
  });

  it('gives no program to an unrelated application', () => {
    expect(programForApplication('Syncthing', labels)).toBeNull();
  });
});
