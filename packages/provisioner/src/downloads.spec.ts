import { describe, expect, it } from 'vitest';
import { emptyManifest } from '@vast/conventions/provisioning-manifest';
import { authorizationFor, planDownloads } from './downloads';

describe('which credential a download carries', () => {
  const manifest = emptyManifest();
  const env = { HF_TOKEN: 'hf', CIVITAI_TOKEN: 'cv' };

  it('sends the Civitai token only over https to civitai.com and its subdomains', () => {
    expect(authorizationFor('https://civitai.com/api/download/models/1', manifest, env)).toBe('Bearer cv');
    expect(authorizationFor('https://cdn.civitai.com/x', manifest, env)).toBe('Bearer cv');
    expect(authorizationFor('http://civitai.com/api/download/models/1', manifest, env)).toBeUndefined();
    expect(authorizationFor('https://civitai.com.evil.example/x', manifest, env)).toBeUndefined();
    expect(authorizationFor('https://example.com/x', manifest, env)).toBeUndefined();
  });

  it('sends the Hugging Face token named by auth.huggingface.token_env (not only HF_TOKEN)', () => {
    expect(authorizationFor('https://huggingface.co/o/r/resolve/main/f', manifest, env)).toBe('Bearer hf');
    const custom = { ...manifest, auth: { ...manifest.auth, huggingface: { token_env: 'MY_HF' } } };
    expect(authorizationFor('https://huggingface.co/o/r/resolve/main/f', custom, { MY_HF: 'mine' })).toBe('Bearer mine');
  });
});

describe('download de-duplication', () => {
  it('drops exact repeats, links the same URL at a second file dest, never merges directory dests', () => {
    expect(
      planDownloads([
        { url: 'u', dest: '/a/f' },
        { url: 'u', dest: '/a/f' },
        { url: 'u', dest: '/b/f' },
        { url: 'u', dest: '/d/' },
        { url: 'u', dest: '/e/' },
      ]),
    ).toEqual({
      items: [
        { url: 'u', dest: '/a/f' },
        { url: 'u', dest: '/d/' },
        { url: 'u', dest: '/e/' },
      ],
      links: [{ target: '/a/f', link: '/b/f' }],
    });
  });
});
