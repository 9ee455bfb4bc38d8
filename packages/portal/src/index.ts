// @vast/portal's pure pieces, for other workspace code (smoke tests, generators). The shipped programs are the
// bundles of src/portal-config/main.ts, src/auth/main.ts and src/server/main.ts.
export { renderCaddyfile, type CaddyfileOptions } from './portal-config/caddyfile';
export { resolveCredentials, TOKEN_CHARACTERS, type Credentials } from './portal-config/credentials';
export { readPortalConfigSettings, type NormalizedPortalConfigSettings } from './portal-config/settings';
export { selectApplications, type ApplicationSelection } from './portal-config/select-applications';
