import { describe, expect, it } from 'vitest';
import {
  applyProvisionerOverrides,
  applyProvisioningVariables,
  expandString,
  parseHuggingFaceUrl,
  parseProvisioningManifest,
  parseProvisioningManifestText,
  resolveConditionals,
  type ProvisioningManifest,
} from './index';

const ok = (value: unknown, env?: Record<string, string>): ProvisioningManifest => {
  const result = parseProvisioningManifest(value, env);
  if (!result.success) throw new Error(JSON.stringify(result.errors));
  return result.manifest;
};
const errorsOf = (value: unknown, env?: Record<string, string>) => {
  const result = parseProvisioningManifest(value, env);
  return result.success ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
};

describe('provisioning manifest schema', () => {
  it('fills every default of upstream §1.4 from `version: 1`', () => {
    const m = ok({ version: 1 });
    expect(m.settings).toEqual({
      venv: '/venv/main',
      conda_env: '/venv/main',
      log_file: '/var/log/portal/provisioning.log',
      concurrency: { hf_downloads: 3, wget_downloads: 5 },
      retry: { max_attempts: 5, initial_delay: 2, backoff_multiplier: 2 },
    });
    expect(m.auth).toEqual({ huggingface: { token_env: 'HF_TOKEN' }, civitai: { token_env: 'CIVITAI_TOKEN' } });
    expect(m.on_failure).toEqual({ action: 'continue', max_retries: 3, retry_delay: 30, webhook: '', webhook_on_success: false });
    expect(ok({ version: 1, services: [{ name: 'app', command: 'python app.py' }] }).services[0]).toEqual({
      name: 'app',
      portal_search_term: '',
      skip_on_serverless: true,
      venv: '/venv/main',
      workdir: '',
      command: 'python app.py',
      pre_commands: [],
      wait_for_provisioning: true,
      environment: {},
    });
    expect(ok({ version: 1, git_repos: [{ url: 'https://example.com/a.git', dest: '/w/a' }] }).git_repos[0]).toMatchObject({
      ref: '',
      recursive: true,
      pull_if_exists: false,
      post_commands: [],
    });
    expect(ok({ version: 1, write_files: [{ path: '/a' }] }).write_files[0]).toEqual({
      path: '/a',
      content: '',
      permissions: '0644',
      owner: '',
    });
  });

  it('wraps a single pip_packages or conda_packages mapping into a list, as upstream does', () => {
    const m = ok({ version: 1, pip_packages: { packages: ['requests'] }, conda_packages: { packages: ['numpy'] } });
    expect(m.pip_packages).toEqual([{ tool: 'uv', packages: ['requests'], args: '', requirements: [], venv: '', python: '' }]);
    expect(m.conda_packages[0].packages).toEqual(['numpy']);
  });

  it('names the key path and the fix for an unknown key, top level and nested', () => {
    expect(errorsOf({ version: 1, downlods: [] })[0]).toMatch(
      /^downlods: is not a key here\. Fix its spelling or remove it\. The manifest's keys are: version, settings/,
    );
    expect(errorsOf({ version: 1, services: [{ name: 'a', command: 'x', prot: 1 }] })).toEqual([
      'services.0.prot: is not a key here. Fix its spelling or remove it.',
    ]);
  });

  it('refuses a wrong version, a string where a boolean goes, a bad mode or action, with the path', () => {
    expect(errorsOf({ version: 2 })).toEqual(['version: must be 1 (the only manifest version)']);
    expect(errorsOf({})).toEqual(['version: must be 1 (the only manifest version)']);
    expect(errorsOf({ version: 1, git_repos: [{ url: 'https://e.com/a', dest: '/a', recursive: 'false' }] })).toEqual([
      'git_repos.0.recursive: must be true or false (unquoted)',
    ]);
    expect(errorsOf({ version: 1, write_files: [{ path: '/a', permissions: '999' }] })).toEqual([
      "write_files.0.permissions: must be an octal mode in quotes, e.g. '0644' or '0755'",
    ]);
    expect(errorsOf({ version: 1, on_failure: { action: 'explode' } })).toEqual([
      'on_failure.action: must be one of continue, stop, destroy',
    ]);
    expect(errorsOf({ version: 1, conditional_downloads: [{ when: 'always' }] })).toEqual([
      'conditional_downloads.0.when: must be one of hf_token_valid, civitai_token_valid',
    ]);
  });

  it('refuses a bad URL and a Hugging Face page URL, saying which form to use', () => {
    expect(errorsOf({ version: 1, downloads: [{ url: 'not a url', dest: '/m/' }] })).toEqual([
      "downloads.0.url: 'not a url' is not a URL. Write it as https://host/path/file",
    ]);
    expect(errorsOf({ version: 1, downloads: [{ url: 'ftp://h/f', dest: '/m/' }] })).toEqual([
      "downloads.0.url: 'ftp://h/f' must be an http(s) URL",
    ]);
    expect(errorsOf({ version: 1, downloads: [{ url: 'https://huggingface.co/o/r/blob/main/w.bin' }] })[0]).toMatch(
      /^downloads\.0\.url: .* replace \/blob\/ with \/resolve\/$/,
    );
    expect(errorsOf({ version: 1, git_repos: [{ url: 'github.com/x', dest: '/a' }] })).toEqual([
      "git_repos.0.url: 'github.com/x' is not a git URL. Write it as https://host/org/repo(.git)",
    ]);
  });

  it('says a missing field is required, and that a plain download needs a dest', () => {
    expect(errorsOf({ version: 1, services: [{ name: 'a' }] })).toEqual(['services.0.command: is required']);
    expect(
      errorsOf({ version: 1, downloads: [{ url: 'https://example.com/a.bin' }, { url: 'https://huggingface.co/o/r/resolve/main/a.bin' }] }),
    ).toEqual(['downloads.0.dest: is required for a download that is not from Hugging Face: a file path, or a directory ending in /']);
  });

  it('refuses two services on one port and two services of one name', () => {
    expect(
      errorsOf({
        version: 1,
        services: [
          { name: 'a', command: 'x', port: 7860 },
          { name: 'b', command: 'y', port: 7860 },
          { name: 'a', command: 'z' },
        ],
      }),
    ).toEqual([
      'services.1.port: 7860 is already the port of services.0 (a). Give each service its own port.',
      "services.2.name: 'a' is already services.0.name. Give each service its own name.",
    ]);
  });

  it('checks a URL that still names a variable only once the variable has a value', () => {
    const manifest = { version: 1, downloads: [{ url: '${MODEL_URL}', dest: '/m/' }] };
    expect(errorsOf(manifest)).toEqual([]);
    expect(errorsOf(manifest, { MODEL_URL: 'nope' })).toEqual(["downloads.0.url: 'nope' is not a URL. Write it as https://host/path/file"]);
  });

  it('reports YAML syntax and an empty document', () => {
    expect(parseProvisioningManifestText('')).toEqual({
      success: false,
      errors: [{ path: '(root)', message: 'is empty. Write at least `version: 1`.' }],
    });
    const bad = parseProvisioningManifestText('version: [1');
    expect(bad.success).toBe(false);
  });
});

describe('${VAR} expansion', () => {
  it('expands values, not keys, recursively, before validation', () => {
    const m = ok(
      {
        version: 1,
        write_files: [{ path: '${WORKSPACE:-/workspace}/a.txt', content: 'token=${TOKEN}' }],
        env_merge: { MODELS: 'downloads' },
      },
      { TOKEN: 's3cret' },
    );
    expect(m.write_files[0]).toMatchObject({ path: '/workspace/a.txt', content: 'token=s3cret' });
    expect(m.env_merge).toEqual({ MODELS: 'downloads' });
  });

  it('follows bash: a default applies when unset or empty; bare $VAR stays; $${ writes a literal ${', () => {
    expect(expandString('${A}|${B:-d}|${C:=e}|$A|$${A}', { A: 'x', B: '', C: undefined })).toBe('x|d|e|$A|${A}');
    expect(expandString('${MISSING}', {})).toBe('');
  });
});

describe('what the environment adds', () => {
  const base = ok({ version: 1, env_merge: { EXTRA_MODELS: 'downloads' }, post_commands: ['echo one'] });
  const env = {
    EXTRA_MODELS: 'https://h/a.bin|/m/a.bin; #skip; https://h/b.bin',
    PROVISIONING_DOWNLOADS: 'https://h/c.bin|/m/',
    PROVISIONING_GIT_REPOS: 'https://g/org/app.git;https://g/org/tool|/opt/tool|v1',
    PROVISIONING_APT: 'ffmpeg; jq',
    PROVISIONING_PIP: 'requests;rich==13.0',
    PROVISIONING_POST_COMMANDS: 'echo two',
    WORKSPACE: '/data',
  };

  it('appends env_merge and every PROVISIONING_* list, warning about an entry without url|dest', () => {
    const { manifest, warnings } = applyProvisioningVariables(base, env);
    expect(manifest.downloads).toEqual([
      { url: 'https://h/a.bin', dest: '/m/a.bin' },
      { url: 'https://h/c.bin', dest: '/m/' },
    ]);
    expect(warnings).toEqual([
      "env_merge EXTRA_MODELS: entry 'https://h/b.bin' is not url|dest; skipped. Write it as https://host/file|/workspace/models/",
    ]);
    expect(manifest.git_repos.map((r) => [r.url, r.dest, r.ref])).toEqual([
      ['https://g/org/app.git', '/data/app', ''],
      ['https://g/org/tool', '/opt/tool', 'v1'],
    ]);
    expect(manifest.apt_packages).toEqual(['ffmpeg', 'jq']);
    expect(manifest.pip_packages).toEqual([
      { tool: 'uv', packages: ['requests', 'rich==13.0'], args: '', requirements: [], venv: '', python: '' },
    ]);
    expect(manifest.post_commands).toEqual(['echo one', 'echo two']);
  });

  it('leaves the loaded manifest alone, so a retry does not add the entries twice', () => {
    applyProvisioningVariables(base, env);
    expect(applyProvisioningVariables(base, env).manifest.post_commands).toEqual(['echo one', 'echo two']);
    expect(base.post_commands).toEqual(['echo one']);
  });

  it('applies PROVISIONER_* overrides and ignores bad values with a warning', () => {
    const { manifest, warnings } = applyProvisionerOverrides(base, {
      PROVISIONER_RETRY_MAX: '7',
      PROVISIONER_RETRY_DELAY: 'soon',
      PROVISIONER_FAILURE_ACTION: 'explode',
      PROVISIONER_WEBHOOK_URL: 'https://hook/x',
      PROVISIONER_WEBHOOK_ON_SUCCESS: 'YES',
      PROVISIONER_VENV: '/venv/other',
    });
    expect(manifest.on_failure).toEqual({
      action: 'continue',
      max_retries: 7,
      retry_delay: 30,
      webhook: 'https://hook/x',
      webhook_on_success: true,
    });
    expect(manifest.settings.venv).toBe('/venv/other');
    expect(warnings).toEqual([
      "PROVISIONER_RETRY_DELAY='soon' is not a whole number; ignored",
      "PROVISIONER_FAILURE_ACTION='explode' is not one of continue, stop, destroy; ignored",
    ]);
  });

  it('resolves conditional downloads by token validity', () => {
    const m = ok({
      version: 1,
      conditional_downloads: [
        {
          when: 'hf_token_valid',
          downloads: [{ url: 'https://h/yes', dest: '/a' }],
          else_downloads: [{ url: 'https://h/no', dest: '/a' }],
        },
      ],
    });
    expect(resolveConditionals(m, { hf_token_valid: true, civitai_token_valid: false }).downloads.map((d) => d.url)).toEqual([
      'https://h/yes',
    ]);
    expect(resolveConditionals(m, { hf_token_valid: false, civitai_token_valid: false }).downloads.map((d) => d.url)).toEqual([
      'https://h/no',
    ]);
  });
});

describe('Hugging Face URL forms', () => {
  it('reads a file, a repo, and refuses http', () => {
    expect(parseHuggingFaceUrl('https://huggingface.co/org/m/resolve/main/sub/w.safetensors')).toEqual({
      kind: 'file',
      repo: 'org/m',
      revision: 'main',
      path: 'sub/w.safetensors',
    });
    expect(parseHuggingFaceUrl('https://huggingface.co/org/m/')).toEqual({ kind: 'repo', repo: 'org/m' });
    expect(parseHuggingFaceUrl('http://huggingface.co/org/m').kind).toBe('invalid');
  });
});
