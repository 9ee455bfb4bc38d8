// @vast/portal/testing: the stand-ins the portal's specs and the end-to-end suites share (a free port, Caddy, a
// running portal against a fake supervisor), so suites outside the portal never import its src/ by path.
export { freePort } from './free-port';
export { hasCaddy, runCaddy } from './caddy';
export { startPortalFixture } from './portal-fixture';
export { startAuthGate } from './auth-gate';
export { FAKE_CLOUDFLARED } from './fake-cloudflared';
// The JSON shapes of upstream's API, for suites that check a booted portal's answers.
export * from '../server/upstream-schemas';
