import { describe, expect, it } from 'vitest';
import { parseImageDefinition, formatDefinitionErrors } from './schema';
import { fakeDefinition } from './testing';

const valid = () => JSON.parse(JSON.stringify(fakeDefinition('derivative')));

describe('parseImageDefinition', () => {
  it('accepts each class and fills defaults', () => {
    for (const kind of ['base', 'derivative', 'external'] as const) expect(fakeDefinition(kind).class).toBe(kind);
    const service = fakeDefinition('derivative').services[0];
    expect(service).toMatchObject({
      waitForProvisioning: true,
      skipOnServerless: true,
      autorestart: 'unexpected',
      startsecs: 5,
      pty: true,
    });
    expect(service.portal[0]).toEqual({ label: 'My App', externalPort: 7860, internalPort: 17860, path: '/', hostname: 'localhost' });
  });

  it('names a missing field and says it is required', () => {
    const input = valid();
    delete input.description;
    const result = parseImageDefinition(input);
    expect(result).toEqual({ success: false, errors: [{ path: 'description', message: 'is required' }] });
  });

  it('rejects an unknown class with the choices', () => {
    const result = parseImageDefinition({ ...valid(), class: 'nested' });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.errors[0].message).toContain("'base', 'derivative' or 'external'");
  });

  it('rejects bad ports, names and keys with the field path', () => {
    const input = valid();
    input.services[0].portal[0].externalPort = 70000;
    input.services[0].name = 'My App';
    input.variants[0].key = 'Has Space';
    const result = parseImageDefinition(input);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.errors.map((e) => e.path).sort()).toEqual(['services.0.name', 'services.0.portal.0.externalPort', 'variants.0.key']);
    expect(formatDefinitionErrors('packages/images/app/image.ts', result.errors)).toContain(
      'packages/images/app/image.ts: services.0.portal.0.externalPort: must be between 1 and 65535',
    );
  });

  it('rejects unknown fields (typos do not pass silently)', () => {
    const result = parseImageDefinition({ ...valid(), servcies: [] });
    expect(result.success).toBe(false);
  });

  it('checks what the schema cannot: class-specific variant fields and duplicates', () => {
    const base = JSON.parse(JSON.stringify(fakeDefinition('base')));
    delete base.variants[0].from;
    base.variants.push({ ...base.variants[1] });
    const result = parseImageDefinition(base);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.errors).toEqual([
      { path: 'variants.0.from', message: 'is required for a base image: name the image to build FROM, e.g. ubuntu:24.04.' },
      { path: 'variants.2.key', message: "'local' is already the key of variants.1. Give each variant its own key." },
    ]);
    const ext = JSON.parse(JSON.stringify(fakeDefinition('external')));
    delete ext.variants[0].upstream;
    const extResult = parseImageDefinition(ext);
    expect(extResult.success || extResult.errors[0].path).toBe('variants.0.upstream');
    const badRef = parseImageDefinition({
      ...JSON.parse(JSON.stringify(fakeDefinition('external'))),
      variants: [{ key: 'x', parent: 'stock', upstream: 'ollama/ollama' }],
    });
    expect(badRef.success || badRef.errors[0].message).toContain('tag or digest');
  });

  it("takes public: true only on a direct entry (a proxied one has Caddy's authentication in front)", () => {
    const direct = valid();
    direct.services[0].portal.push({ label: 'My App Metrics', externalPort: 9100, internalPort: 9100, public: true });
    expect(parseImageDefinition(direct).success).toBe(true);
    const proxied = valid();
    proxied.services[0].portal[0].public = true;
    expect(parseImageDefinition(proxied)).toEqual({
      success: false,
      errors: [
        {
          path: 'services.0.portal.0.public',
          message:
            'is only for direct entries (externalPort == internalPort); port 7860 is proxied by Caddy, with authentication. Remove it.',
        },
      ],
    });
  });

  it("rejects a hostname with ':', which PORTAL_CONFIG could not carry", () => {
    const input = valid();
    input.services[0].portal[0].hostname = '[::1]';
    const result = parseImageDefinition(input);
    expect(result.success || result.errors.map((e) => e.path)).toEqual(['services.0.portal.0.hostname']);
  });

  it("rejects 'auto' as a torch backend", () => {
    const input = valid();
    input.variants[0].torchBackend = 'auto';
    const result = parseImageDefinition(input);
    expect(result.success || result.errors[0].message).toContain("never 'auto'");
  });
});

describe('track', () => {
  const source = { kind: 'dockerhub-tags', repository: 'example/ext', tagPattern: '^\\d+\\.\\d+$' };
  const ext = () => JSON.parse(JSON.stringify(fakeDefinition('external')));

  it("accepts an external image tracking its variants' upstream repository", () => {
    const result = parseImageDefinition({ ...ext(), track: [{ upstream: 'example/ext', source }] });
    expect(result.success && result.definition.track).toEqual([{ upstream: 'example/ext', source, minAgeSeconds: 43_200 }]);
  });

  it('names the field and the fix for an upstream no variant uses, and for a derivative', () => {
    expect(parseImageDefinition({ ...ext(), track: [{ upstream: 'other/ext', source }] })).toEqual({
      success: false,
      errors: [
        {
          path: 'track.0.upstream',
          message: "no variant's upstream is other/ext:<version>. Track the repository the variants graft onto.",
        },
      ],
    });
    expect(parseImageDefinition({ ...valid(), track: [{ upstream: 'example/ext', source }] })).toEqual({
      success: false,
      errors: [
        {
          path: 'track.0.upstream',
          message: "only an external image names upstream images; a derivative image tracks a build arg ({ arg: 'NAME', source }).",
        },
      ],
    });
  });
});
