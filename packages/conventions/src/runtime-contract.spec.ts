import { describe, expect, it } from 'vitest';
import { renderContextFiles } from './context';
import {
  BOOT_DIR,
  CADDY_LOG,
  INSTANCE_TOOLS_BIN,
  LOG_DIR,
  PROVISIONING_LOG,
  PROVISIONING_MARKERS,
  provisioningMarkerPath,
  SUPERVISOR_CONF_DIR,
  SUPERVISOR_SCRIPTS_DIR,
} from './runtime-contract';
import { fakeDefinition, fakeFamily } from './testing';

// The literals are the point: base-image's hand-written shell (boot_default.sh, 75-provisioning.sh, logging.sh,
// exit_portal.sh) holds these same strings, so a change here is a change of the runtime contract, not a refactor.
describe('runtime contract', () => {
  const family = fakeFamily(fakeDefinition('base'), fakeDefinition('derivative'));
  const files = (image: string) => new Map(renderContextFiles(family.get(image)!).map((f) => [f.path, f.content]));

  it('holds the values the runtime shell uses', () => {
    expect([BOOT_DIR, SUPERVISOR_SCRIPTS_DIR, SUPERVISOR_CONF_DIR, INSTANCE_TOOLS_BIN, LOG_DIR]).toEqual([
      '/etc/vast_boot.d',
      '/opt/supervisor-scripts',
      '/etc/supervisor/conf.d',
      '/opt/instance-tools/bin',
      '/var/log/portal',
    ]);
    expect([PROVISIONING_LOG, CADDY_LOG]).toEqual(['/var/log/portal/provisioning.log', '/var/log/portal/caddy.log']);
    expect(Object.values(PROVISIONING_MARKERS).map(provisioningMarkerPath)).toEqual([
      '/.provisioning',
      '/.provisioning_failed',
      '/.provisioning_complete',
    ]);
  });

  it('is what the rendered boot env script, launch script, supervisor program and Dockerfile carry', () => {
    const app = files('app');
    expect([...app.keys()].filter((p) => p.startsWith('ROOT/'))).toEqual(
      expect.arrayContaining([
        `ROOT${BOOT_DIR}/05-app-env.sh`,
        `ROOT${SUPERVISOR_SCRIPTS_DIR}/app.sh`,
        `ROOT${SUPERVISOR_CONF_DIR}/app.conf`,
      ]),
    );
    const launch = app.get(`ROOT${SUPERVISOR_SCRIPTS_DIR}/app.sh`)!;
    expect(launch).toContain(`. ${SUPERVISOR_SCRIPTS_DIR}/utils/logging.sh\n`);
    expect(launch).toContain(`while [[ -f ${provisioningMarkerPath(PROVISIONING_MARKERS.inProgress)} ]]; do`);
    expect(app.get(`ROOT${SUPERVISOR_CONF_DIR}/app.conf`)).toContain(`command=${SUPERVISOR_SCRIPTS_DIR}/app.sh\n`);
    expect(app.get('Dockerfile')).toContain(`rm -f ${BOOT_DIR}/05-base-env.sh`);
    expect(files('base').get('Dockerfile')).toContain(`ENTRYPOINT ["${INSTANCE_TOOLS_BIN}/entrypoint.sh"]`);
  });
});
