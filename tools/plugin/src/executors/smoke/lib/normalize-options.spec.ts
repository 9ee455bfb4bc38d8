import { describe, expect, it } from 'vitest';
import { normalizeSmokeOptions, type SmokeFacts } from './normalize-options';
import { DEFAULT_SMOKE_PORTAL_CONFIG } from './smoke';

const buildResult = {
  name: 'base-image',
  profile: 'local',
  variants: [{ key: 'local', buildTag: 'vastai/base-image:build-0123456789ab', imageId: 'sha256:x' }],
};

const facts = (over: Partial<SmokeFacts> = {}): SmokeFacts => ({
  projectName: 'base-image',
  buildResultFile: 'dist/builds/base-image/build-result.json',
  buildResult,
  readScript: (path) => (path === 'scripts/provision.sh' ? 'echo hi\n' : undefined),
  randomToken: () => 'random-token',
  env: {},
  ...over,
});

describe('normalizeSmokeOptions', () => {
  it('boots the built variant with the default config, the smoke script and a random token', () => {
    expect(normalizeSmokeOptions({ profile: 'local' }, facts())).toEqual({
      ok: true,
      options: {
        projectName: 'base-image',
        profile: 'local',
        image: 'vastai/base-image:build-0123456789ab',
        portalConfig: DEFAULT_SMOKE_PORTAL_CONFIG,
        provisioning: { kind: 'default' },
        token: 'random-token',
        timeoutSeconds: 240,
        dryRun: false,
      },
    });
  });

  it('says how to build when there is no build result', () => {
    expect(normalizeSmokeOptions({ profile: 'local' }, facts({ buildResult: undefined }))).toEqual({
      ok: false,
      error:
        'dist/builds/base-image/build-result.json is missing, so there is no image to boot. Build it first: nx run base-image:docker-build -c local',
    });
  });

  it('refuses a build result of the other profile, and an unknown variant', () => {
    const wrongProfile = normalizeSmokeOptions({ profile: 'production' }, facts());
    expect(wrongProfile.ok || wrongProfile.error).toBe(
      "dist/builds/base-image/build-result.json: profile: is 'local', but this smoke runs the 'production' profile. Build it first: nx run base-image:docker-build",
    );
    const unknown = normalizeSmokeOptions({ profile: 'local', variant: 'cuda' }, facts());
    expect(unknown.ok || unknown.error).toBe(
      "dist/builds/base-image/build-result.json: variants: has no 'cuda' (built: local). Pick one of those or build it.",
    );
  });

  it('takes a URL, a workspace file or none as the provisioning script', () => {
    const url = normalizeSmokeOptions(
      { image: 'x:1', provisioningScript: 'https://example.invalid/p.sh', expectProvisioning: 'failed' },
      facts(),
    );
    expect(url.ok && url.options.provisioning).toEqual({ kind: 'url', url: 'https://example.invalid/p.sh', expect: 'failed' });
    const plain = normalizeSmokeOptions({ image: 'x:1', provisioningScript: 'http://example.invalid/p.sh?token=t' }, facts());
    expect(plain).toEqual({
      ok: false,
      error: expect.stringContaining("provisioningScript: 'http://example.invalid/p.sh' is not an https URL"),
    });
    const file = normalizeSmokeOptions({ image: 'x:1', provisioningScript: 'scripts/provision.sh' }, facts());
    expect(file.ok && file.options.provisioning).toEqual({ kind: 'inline', script: 'echo hi\n', expect: 'complete' });
    const none = normalizeSmokeOptions({ image: 'x:1', provisioningScript: 'none' }, facts());
    expect(none.ok && none.options.provisioning).toEqual({ kind: 'none' });
    const missing = normalizeSmokeOptions({ image: 'x:1', provisioningScript: 'nope.sh' }, facts());
    expect(missing.ok).toBe(false);
  });

  it('honours NX_DRY_RUN', () => {
    const result = normalizeSmokeOptions({ image: 'x:1' }, facts({ env: { NX_DRY_RUN: 'true' } }));
    expect(result.ok && result.options.dryRun).toBe(true);
  });
});
