import { describe, expect, it } from 'vitest';
import { renderContextFiles } from './context';
import { resolveImageGraph } from './graph';
import {
  embeddedServiceFiles,
  parseProvisioningDefinition,
  provisioningImageInput,
  renderInstallSteps,
  renderProvisioningScript,
  serviceInput,
  type ProvisioningDefinition,
  type ProvisioningDefinitionInput,
} from './provisioning';
import { parseImageDefinition } from './schema';
import { fakeDefinition } from './testing';

const INPUT = {
  name: 'my-app',
  from: 'base',
  description: 'My app: a Gradio demo.',
  aptPackages: ['libgl1', 'ffmpeg'],
  pythonPackages: ['gradio==4.44.1', 'numpy<2'],
  git: { url: 'https://github.com/org/my-app', ref: 'v1.2.0' },
  services: [
    {
      name: 'my-app',
      portalLabel: 'My App',
      portal: [{ label: 'My App', externalPort: 7860, internalPort: 17860 }],
      workdir: '/workspace/my-app',
      command: '. /venv/main/bin/activate\npython app.py --server-name 127.0.0.1 --server-port 17860',
    },
  ],
} satisfies ProvisioningDefinitionInput;
const SOURCE = 'packages/provisioning/my-app/provisioning.ts';

function parsed(input: ProvisioningDefinitionInput = INPUT): ProvisioningDefinition {
  const result = parseProvisioningDefinition(input);
  if (!result.success) throw new Error(JSON.stringify(result.errors));
  return result.definition;
}

describe('parseProvisioningDefinition', () => {
  it('accepts a template and fills the service defaults', () => {
    const def = parsed();
    expect(def.services[0]).toMatchObject({ waitForProvisioning: true, skipOnServerless: true, autorestart: 'unexpected' });
    expect(def.steps).toEqual([]);
  });

  it.each([
    ['a bad name', { name: 'My_App' }, 'name: must be kebab-case'],
    [
      'a last line pty cannot prefix',
      { services: [{ name: 'x', command: 'if true; then\n  x\nfi' }] },
      "services.0.command: its last line 'fi' ends a compound command",
    ],
    ['a bad Debian package', { aptPackages: ['libgl1; rm -rf /'] }, 'aptPackages.0: must be a Debian package name'],
    ['a pip option instead of a requirement', { pythonPackages: ['-r requirements.txt'] }, 'pythonPackages.0: must be one pip requirement'],
    ['a git source that is not a URL', { git: { url: 'org/app', ref: 'v1' } }, 'git.url: must be a git URL'],
    ['a step with a build profile', { steps: [{ name: 'x', run: 'true', profile: 'local' }] }, 'steps.0.profile: is a build profile'],
    [
      'a step that needs overlay files',
      { steps: [{ name: 'x', run: 'true', needs: ['etc/x'] }] },
      'steps.0.needs: names ROOT/ overlay files',
    ],
    [
      'two services with one name',
      { services: [INPUT.services[0], INPUT.services[0]] },
      "services.1.name: 'my-app' is already the name of services.0",
    ],
    ['a line break in the description', { description: 'My app\nrm -rf /' }, 'description: contains a line break (\\n)'],
    [
      'a line break in a service environment value',
      { services: [{ ...INPUT.services[0], environment: { MODE: 'a\nuser=root' } }] },
      'services.0.environment.MODE: contains a line break',
    ],
  ])('rejects %s', (_what, override, message) => {
    const result = parseProvisioningDefinition({ ...INPUT, ...override });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n')).toContain(message);
  });
});

describe('a models-only template', () => {
  const MODELS: ProvisioningDefinitionInput = {
    name: 'sd-models',
    from: 'base',
    description: 'Stable Diffusion checkpoints for an existing ComfyUI template.',
    steps: [{ name: 'models', run: 'mkdir -p "${WORKSPACE}/models"\necho downloaded > "${WORKSPACE}/models/list"' }],
  };

  it('is valid with no service: it only installs or downloads', () => {
    expect(parsed(MODELS).services).toEqual([]);
  });

  it('renders a script that runs its steps and leaves supervisor alone', () => {
    const script = renderProvisioningScript(parsed(MODELS), {
      source: 'packages/provisioning/sd-models/provisioning.ts',
      torchInChain: false,
    });
    expect(script).not.toContain('supervisorctl');
    expect(script).toContain('# Step models');
  });
});

describe('renderInstallSteps', () => {
  it('bakes into an image: clone at a build-arg ref into workspace-internal; PyPI and git production-only', () => {
    const steps = renderInstallSteps(parsed(), { kind: 'image' }, { torchInChain: true });
    expect(steps.map((s) => [s.name, s.profile ?? 'both', s.torchGuard])).toEqual([
      ['apt-packages', 'both', false],
      ['source', 'production', false],
      ['python-packages', 'production', true],
    ]);
    expect(steps[1].run).toMatchInlineSnapshot(`
      "git clone https://github.com/org/my-app /opt/workspace-internal/my-app
      git -C /opt/workspace-internal/my-app checkout "\${MY_APP_REF}"
      git -C /opt/workspace-internal/my-app log -1 --format='my-app at %H'"
    `);
  });

  it('provisions at boot: clone into the workspace at the literal ref, kept on a re-run; no profiles', () => {
    const steps = renderInstallSteps(parsed(), { kind: 'provisioning' }, { torchInChain: false });
    expect(steps.map((s) => [s.name, s.profile ?? 'both', s.torchGuard])).toEqual([
      ['apt-packages', 'both', false],
      ['source', 'both', false],
      ['python-packages', 'both', false],
    ]);
    expect(steps[1].run).toContain(
      'if [[ -d "$dest/.git" ]]; then git -C "$dest" fetch --tags --quiet origin; else git clone https://github.com/org/my-app "$dest"; fi',
    );
    expect(steps[1].run).toContain('git -C "$dest" checkout v1.2.0');
  });

  it('quotes requirements with shell characters and checks what it installed', () => {
    const [step] = renderInstallSteps(
      parsed({ ...INPUT, aptPackages: [], git: undefined }),
      { kind: 'provisioning' },
      { torchInChain: false },
    );
    expect(step.run).toBe("uv pip install --no-cache-dir gradio==4.44.1 'numpy<2'\nuv pip show gradio numpy");
  });

  it('wraps a long package list and sorts it', () => {
    const [step] = renderInstallSteps(
      parsed({ ...INPUT, aptPackages: ['zlib1g', 'a1', 'b1', 'c1', 'd1'], pythonPackages: [], git: undefined }),
      { kind: 'image' },
      { torchInChain: false },
    );
    expect(step.run).toMatchInlineSnapshot(`
      "apt-get update
      apt-get install -y --no-install-recommends \\
        a1 b1 c1 d1 zlib1g
      rm -rf /var/lib/apt/lists/*
      dpkg-query -W a1 b1 c1 d1 zlib1g"
    `);
  });

  it('renders nothing for an app without installs', () => {
    expect(
      renderInstallSteps(
        parsed({ ...INPUT, aptPackages: [], pythonPackages: [], git: undefined }),
        { kind: 'image' },
        { torchInChain: true },
      ),
    ).toEqual([]);
  });
});

describe('renderProvisioningScript', () => {
  it('installs, writes the launch script and conf, then reloads supervisor', () => {
    expect(renderProvisioningScript(parsed({ ...INPUT, pythonPackages: [] }), { source: SOURCE, torchInChain: false }))
      .toMatchInlineSnapshot(`
      "#!/bin/bash
      # Provisioning script for my-app on base (PROVISIONING_SCRIPT, run once at boot): installs it and starts its services.
      # Generated by @vast/conventions from packages/provisioning/my-app/provisioning.ts (nx g @vast/plugin:provisioning my-app --refresh); edit that, not this file.
      #
      # My app: a Gradio demo.
      set -euo pipefail

      # Step apt-packages: Debian packages my-app needs.
      (
      set -euo pipefail
      . /venv/main/bin/activate
      apt-get update
      apt-get install -y --no-install-recommends ffmpeg libgl1
      rm -rf /var/lib/apt/lists/*
      dpkg-query -W ffmpeg libgl1
      )

      # Step source: my-app from https://github.com/org/my-app, into the workspace.
      (
      set -euo pipefail
      . /venv/main/bin/activate
      dest="\${WORKSPACE:-/workspace}/my-app"
      # A re-run (or a workspace volume that already has it) keeps the checkout and only moves it to the ref.
      if [[ -d "$dest/.git" ]]; then git -C "$dest" fetch --tags --quiet origin; else git clone https://github.com/org/my-app "$dest"; fi
      git -C "$dest" checkout v1.2.0
      git -C "$dest" log -1 --format='my-app at %H'
      )

      # The same launch scripts and supervisor programs an image built from this template ships.
      mkdir -p /opt/supervisor-scripts /etc/supervisor/conf.d

      cat >/opt/supervisor-scripts/my-app.sh <<'VAST_PROVISIONING_EOF'
      #!/bin/bash
      # Supervisor launch script for my-app: waits for its gates, then runs it in the foreground.
      # Generated by @vast/conventions from packages/provisioning/my-app/provisioning.ts (nx run <image>:build); edit that, not this file.
      set -euo pipefail

      # shellcheck source=/dev/null
      . /opt/supervisor-scripts/utils/logging.sh
      # shellcheck source=/dev/null
      . /opt/supervisor-scripts/utils/cleanup_generic.sh
      # shellcheck source=/dev/null
      . /opt/supervisor-scripts/utils/environment.sh
      # shellcheck source=/dev/null
      . /opt/supervisor-scripts/utils/exit_serverless.sh
      # shellcheck source=/dev/null
      . /opt/supervisor-scripts/utils/exit_portal.sh 'My App'

      # Provisioning may install what this service needs; /.provisioning exists until it has finished.
      while [[ -f /.provisioning ]]; do
        echo "Waiting for provisioning to finish before starting \${PROC_NAME}..."
        sleep 2
      done

      cd "/workspace/my-app"

      . /venv/main/bin/activate
      pty python app.py --server-name 127.0.0.1 --server-port 17860
      VAST_PROVISIONING_EOF
      chmod 0755 /opt/supervisor-scripts/my-app.sh
      cat >/etc/supervisor/conf.d/my-app.conf <<'VAST_PROVISIONING_EOF'
      ; Generated by @vast/conventions from packages/provisioning/my-app/provisioning.ts (nx run <image>:build); edit that, not this file.
      [program:my-app]
      environment=PROC_NAME="%(program_name)s",VAST_PORTAL_LABEL="My App"
      command=/opt/supervisor-scripts/my-app.sh
      autostart=true
      autorestart=unexpected
      exitcodes=0
      startsecs=5
      stopasgroup=true
      killasgroup=true
      stopsignal=TERM
      stopwaitsecs=10
      stdout_logfile=/dev/stdout
      redirect_stderr=true
      stdout_events_enabled=true
      stdout_logfile_maxbytes=0
      stdout_logfile_backups=0
      VAST_PROVISIONING_EOF
      chmod 0644 /etc/supervisor/conf.d/my-app.conf

      # supervisord is already running (boot stage 65): load the new programs. They wait for /.provisioning to go,
      # and start only while their label is in /etc/portal.yaml: add it to the template's PORTAL_CONFIG.
      supervisorctl reread && supervisorctl update
      supervisorctl status my-app || true
      "
    `);
  });

  it('picks a heredoc delimiter that no line of a file equals', () => {
    const def = parsed({ ...INPUT, services: [{ ...INPUT.services[0], command: 'cat <<EOF\nVAST_PROVISIONING_EOF\nEOF\nserver' }] });
    const script = renderProvisioningScript(def, { source: SOURCE, torchInChain: false });
    expect(script).toContain("cat >/opt/supervisor-scripts/my-app.sh <<'VAST_PROVISIONING_EOF_2'");
    expect(embeddedServiceFiles(script).get('/opt/supervisor-scripts/my-app.sh')).toContain('\nVAST_PROVISIONING_EOF\n');
  });
});

describe('a provisioning template and the derivative converted from it', () => {
  it('start the same supervisor program with the same launch script', () => {
    const template = parsed({
      ...INPUT,
      services: [INPUT.services[0], { name: 'worker', command: 'python worker.py', pty: false, waitForProvisioning: false }],
    });
    const script = renderProvisioningScript(template, { source: SOURCE, torchInChain: false });
    const base = fakeDefinition('base');
    const image = parseImageDefinition(provisioningImageInput(template, base, { repository: 'vastai/my-app', torchInChain: false }));
    if (!image.success) throw new Error(JSON.stringify(image.errors));
    const { images, errors } = resolveImageGraph([
      { file: 'packages/images/base/image.ts', version: '1.0.0', definition: base },
      { file: 'packages/images/my-app/image.ts', version: '1.0.0', definition: image.definition },
    ]);
    expect(errors).toEqual([]);
    const context = new Map(renderContextFiles(images.get('my-app')!).map((f) => [f.path.replace(/^ROOT/, ''), f.content]));
    const embedded = embeddedServiceFiles(script);
    expect([...embedded.keys()].sort()).toEqual([
      '/etc/supervisor/conf.d/my-app.conf',
      '/etc/supervisor/conf.d/worker.conf',
      '/opt/supervisor-scripts/my-app.sh',
      '/opt/supervisor-scripts/worker.sh',
    ]);
    // The generated-file header names each file's own source; every other line is the same.
    const withoutSource = (text: string) =>
      text.replace(/Generated by @vast\/conventions from \S+/, 'Generated by @vast/conventions from <source>');
    for (const [path, content] of embedded) {
      expect(context.get(path), path).toBeDefined();
      expect(withoutSource(content)).toBe(withoutSource(context.get(path)!));
      expect(content).toContain(SOURCE);
      expect(context.get(path)).toContain('packages/images/my-app/image.ts');
    }
  });

  it('becomes a derivative with the image form of the same installs, one variant per parent variant it can build on', () => {
    const input = provisioningImageInput(parsed(), fakeDefinition('base'), { repository: 'vastai/my-app', torchInChain: false });
    expect(input).toMatchObject({ class: 'derivative', parent: 'base', args: { MY_APP_REF: 'v1.2.0' }, defaultPortalConfig: true });
    expect(input.steps!.map((s) => s.name)).toEqual(['apt-packages', 'source', 'python-packages']);
    // PyPI and the git host are out of the local profile's reach, so a local variant would build without the app.
    expect(input.variants).toEqual([{ key: 'stock', parent: 'stock' }]);
    const offline = provisioningImageInput(parsed({ ...INPUT, pythonPackages: [], git: undefined }), fakeDefinition('base'), {
      repository: 'vastai/my-app',
      torchInChain: false,
    });
    expect(offline.variants).toEqual([
      { key: 'stock', parent: 'stock' },
      { key: 'local', parent: 'local', local: true },
    ]);
    expect(input.services).toEqual([
      {
        name: 'my-app',
        portalLabel: 'My App',
        portal: [{ label: 'My App', externalPort: 7860, internalPort: 17860 }],
        workdir: '/workspace/my-app',
        command: INPUT.services[0].command,
      },
    ]);
  });

  it('serviceInput leaves out exactly the defaults', () => {
    const def = parsed({
      ...INPUT,
      services: [
        { name: 'x', command: 'x', startsecs: 0, pty: false, portal: [{ label: 'X', externalPort: 1, internalPort: 2, path: '/docs' }] },
      ],
    });
    expect(serviceInput(def.services[0])).toEqual({
      name: 'x',
      command: 'x',
      startsecs: 0,
      pty: false,
      portal: [{ label: 'X', externalPort: 1, internalPort: 2, path: '/docs' }],
    });
  });
});
