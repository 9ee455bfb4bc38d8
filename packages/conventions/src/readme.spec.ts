import { describe, expect, it } from 'vitest';
import { README_BEGIN, README_END, refreshReadmeGeneratedPart, renderReadmeGeneratedPart } from './readme';
import { fakeDefinition, fakeFamily } from './testing';

describe("a README's generated part", () => {
  const family = () => fakeFamily(fakeDefinition('base'), fakeDefinition('derivative'));

  it('follows image.ts: services, the PORTAL_CONFIG default, the offline build where there is a local variant', () => {
    const part = renderReadmeGeneratedPart(family().get('app')!);
    expect(part.startsWith(README_BEGIN) && part.endsWith(README_END)).toBe(true);
    expect(part).toContain(
      "- `app` (supervisor program): Caddy serves it with auth on port 7860 as 'My App', from 127.0.0.1:17860; it starts only while 'My App' is in the instance's PORTAL_CONFIG.",
    );
    expect(part).toContain('localhost:1111:11111:/:Instance Portal|localhost:7860:17860:/:My App');
    expect(part).toContain('npx nx run app:docker-build -c local');
  });

  it('is replaced between its markers, leaving the rest as the author wrote it; a README without markers is left alone', () => {
    const image = family().get('app')!;
    const readme = `# app\n\nHand-written.\n\n${README_BEGIN}\nstale\n${README_END}\n\nMore by hand.\n`;
    const refreshed = refreshReadmeGeneratedPart(readme, renderReadmeGeneratedPart(image))!;
    expect(refreshed).not.toContain('stale');
    expect(refreshed.startsWith('# app\n\nHand-written.\n\n')).toBe(true);
    expect(refreshed.endsWith(`${README_END}\n\nMore by hand.\n`)).toBe(true);
    expect(refreshReadmeGeneratedPart(refreshed, renderReadmeGeneratedPart(image))).toBe(refreshed);
    expect(refreshReadmeGeneratedPart('# hand-written only\n', renderReadmeGeneratedPart(image))).toBeUndefined();
  });
});
