// Supervisor program config and launch script for one service, and the canonical order of the launch utils.
import { generatedHeader, shellSingleQuote } from './text';
import { PORTAL_LABEL_ENV } from './portal-config';
import { CALLS_PTY, type Service } from './schema';
import { PROVISIONING_MARKERS, provisioningMarkerPath, SUPERVISOR_CONF_DIR, SUPERVISOR_SCRIPTS_DIR } from './runtime-contract';

const PROVISIONING_IN_PROGRESS = provisioningMarkerPath(PROVISIONING_MARKERS.inProgress);

/**
 * The utils a launch script may source, in the only order that works: logging first so every later line is
 * captured, cleanup before anything starts children, the environment before the gates that read it.
 * The renderer emits a subsequence of this list and lint rule VL011 checks hand-written scripts against it.
 */
export const SUPERVISOR_UTILS = ['logging', 'cleanup_generic', 'environment', 'exit_serverless', 'exit_portal'] as const;
export type SupervisorUtil = (typeof SUPERVISOR_UTILS)[number];

export const supervisorConfPath = (service: Pick<Service, 'name'>) => `${SUPERVISOR_CONF_DIR}/${service.name}.conf`;
export const launchScriptPath = (service: Pick<Service, 'name'>) => `${SUPERVISOR_SCRIPTS_DIR}/${service.name}.sh`;

/**
 * Quote a value for a supervisor `environment=` list. supervisord splits it with Python's non-POSIX shlex: a quote
 * ends at the next quote of its kind and backslashes are literal, so a value is wrapped in double quotes as it is
 * (`%` doubled for supervisor's own expansion). The schema keeps `"` out of the one value written here, the portal
 * label; a service's own `environment` is exported by its launch script instead, where any value survives.
 */
function supervisorQuote(value: string): string {
  return `"${value.replace(/%/g, '%%')}"`;
}

export function renderSupervisorConf(service: Service, source: string): string {
  const environment: Record<string, string> = { PROC_NAME: '%(program_name)s' };
  if (service.portalLabel) environment[PORTAL_LABEL_ENV] = service.portalLabel;
  const env = Object.entries(environment)
    .map(([k, v]) => `${k}=${k === 'PROC_NAME' ? `"${v}"` : supervisorQuote(v)}`)
    .join(',');
  const lines = [
    generatedHeader(';', source),
    `[program:${service.name}]`,
    `environment=${env}`,
    `command=${launchScriptPath(service)}`,
    ...(service.user ? [`user=${service.user}`] : []),
    'autostart=true',
    `autorestart=${service.autorestart}`,
    'exitcodes=0',
    `startsecs=${service.startsecs}`,
    'stopasgroup=true',
    'killasgroup=true',
    'stopsignal=TERM',
    'stopwaitsecs=10',
    // Output goes to supervisord's stdout (the container log); logging.sh tees it to /var/log/portal/<name>.log.
    'stdout_logfile=/dev/stdout',
    'redirect_stderr=true',
    'stdout_events_enabled=true',
    'stdout_logfile_maxbytes=0',
    'stdout_logfile_backups=0',
  ];
  return lines.join('\n') + '\n';
}

/** Which utils a service's launch script sources, in canonical order. */
export function launchUtils(service: Service): SupervisorUtil[] {
  return SUPERVISOR_UTILS.filter((util) => {
    if (util === 'exit_serverless') return service.skipOnServerless;
    if (util === 'exit_portal') return service.portalLabel !== undefined;
    return true;
  });
}

export function renderLaunchScript(service: Service, source: string): string {
  const lines = [
    '#!/bin/bash',
    `# Supervisor launch script for ${service.name}: waits for its gates, then runs it in the foreground.`,
    generatedHeader('#', source),
    'set -euo pipefail',
    '',
  ];
  // Before the utils, as supervisor's environment= would be: environment.sh's /etc/environment still takes precedence.
  const exports = Object.entries(service.environment).map(([name, value]) => `export ${name}=${shellSingleQuote(value)}`);
  if (exports.length) lines.push(...exports, '');
  for (const util of launchUtils(service)) {
    const arg = util === 'exit_portal' ? ` ${shellSingleQuote(service.portalLabel ?? '')}` : '';
    lines.push(`# shellcheck source=/dev/null`, `. ${SUPERVISOR_SCRIPTS_DIR}/utils/${util}.sh${arg}`);
  }
  if (service.preWait) lines.push('', '# Runs before the provisioning wait (preWait).', ...service.preWait.trimEnd().split('\n'));
  if (service.waitForProvisioning) {
    lines.push(
      '',
      `# Provisioning may install what this service needs; ${PROVISIONING_IN_PROGRESS} exists until it has finished.`,
      `while [[ -f ${PROVISIONING_IN_PROGRESS} ]]; do`,
      '  echo "Waiting for provisioning to finish before starting ${PROC_NAME}..."',
      '  sleep 2',
      'done',
    );
  }
  // Double quotes: ${DATA_DIRECTORY}/app expands; the schema admits nothing else that the shell would interpret.
  if (service.workdir) lines.push('', `cd "${service.workdir}"`);
  const command = service.command.trimEnd().split('\n');
  const last = command.pop() ?? '';
  // A command that calls pty itself (inside if, eval, ...) has placed it where the program starts.
  lines.push('', ...command, service.pty && !CALLS_PTY.test(service.command) ? `pty ${last}` : last);
  return lines.join('\n') + '\n';
}
