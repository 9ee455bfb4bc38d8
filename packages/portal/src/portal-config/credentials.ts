// Decides the token and password Caddy checks. Pure: randomness comes in as a function.

export interface Credentials {
  username: string;
  /** What `?token=`, the auth cookie and `Authorization: Bearer` must carry; null when token logins are off. */
  token: string | null;
  password: string;
  /** Neither OPEN_BUTTON_TOKEN nor WEB_PASSWORD was set, so one secret was made up and must be shown once. */
  generated: boolean;
  warnings: string[];
}

/**
 * RFC 3986 unreserved characters: a token made of these reads back unchanged from a query string, a cookie and a
 * header, and needs no quoting in a Caddyfile matcher. Vast's OPEN_BUTTON_TOKEN is hex, so this costs nothing there.
 */
export const TOKEN_CHARACTERS = /^[A-Za-z0-9._~-]+$/;

export function resolveCredentials(
  input: { username: string; openButtonToken: string | undefined; webPassword: string | undefined },
  generateSecret: () => string,
): Credentials {
  const warnings: string[] = [];
  const generated = input.openButtonToken === undefined && input.webPassword === undefined;
  const secret = generated ? generateSecret() : undefined;
  // The two default to each other, as on Vast: the open button carries OPEN_BUTTON_TOKEN, people type WEB_PASSWORD.
  const token = input.openButtonToken ?? input.webPassword ?? (secret as string);
  const password = input.webPassword ?? input.openButtonToken ?? (secret as string);
  let usableToken: string | null = token;
  if (!TOKEN_CHARACTERS.test(token)) {
    const source = input.openButtonToken !== undefined ? 'OPEN_BUTTON_TOKEN' : 'WEB_PASSWORD';
    warnings.push(
      `${source}: the token has characters other than letters, digits, '.', '_', '~' and '-', so ?token=, the auth cookie ` +
        'and Bearer logins are off and only the username/password prompt works. Set OPEN_BUTTON_TOKEN to such a token to turn them on.',
    );
    usableToken = null;
  }
  return { username: input.username, token: usableToken, password, generated, warnings };
}

/** The lines printed once when the secret was generated, so the person at the console can log in. */
export function renderCredentialsBanner(credentials: Credentials): string {
  const lines = [
    'portal-config: neither OPEN_BUTTON_TOKEN nor WEB_PASSWORD is set; generated web credentials for this start:',
    `portal-config:   username ${credentials.username}, password ${credentials.password}`,
  ];
  if (credentials.token !== null) {
    lines.push(`portal-config:   or open a link with ?token=${credentials.token}, or send "Authorization: Bearer ${credentials.token}"`);
  }
  return lines.join('\n') + '\n';
}
