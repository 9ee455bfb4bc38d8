// Which supervisor program serves which portal application: each program's conf carries
// `environment=...,VAST_PORTAL_LABEL="<label>"`. Pure: conf texts in, program -> label out.
import { PORTAL_LABEL_ENV } from '@vast/conventions/portal-config';

/** `[program:NAME]` sections of one supervisor conf file, with their environment= value parsed. */
export function readProgramEnvironments(confText: string): Map<string, Record<string, string>> {
  const programs = new Map<string, Record<string, string>>();
  let program: string | null = null;
  let key: string | null = null;
  const values = new Map<string, string>();
  const flush = () => {
    if (program !== null) programs.set(program, parseEnvironment(values.get('environment') ?? '', program));
    values.clear();
  };
  for (const raw of confText.split(/\r?\n/)) {
    if (/^\s*[;#]/.test(raw) || raw.trim() === '') continue;
    const section = raw.match(/^\s*\[([^\]]+)\]\s*$/);
    if (section) {
      flush();
      const name = section[1].trim();
      program = name.startsWith('program:') ? name.slice('program:'.length).trim() : null;
      key = null;
      continue;
    }
    if (/^\s/.test(raw) && key !== null) {
      // ConfigParser continuation line: indented lines extend the previous value.
      values.set(key, `${values.get(key)} ${raw.trim()}`);
      continue;
    }
    const pair = raw.match(/^([^=:]+?)\s*[=:]\s*(.*)$/);
    if (pair) {
      key = pair[1].trim().toLowerCase();
      values.set(key, pair[2]);
    }
  }
  flush();
  return programs;
}

/**
 * Parses supervisor's `KEY="value",KEY2=value2` syntax: quoted or bare values, `%(program_name)s` expanded,
 * `%%` for a literal percent, and an unquoted ` ;` starting an inline comment.
 */
export function parseEnvironment(text: string, programName: string): Record<string, string> {
  const result: Record<string, string> = {};
  let at = 0;
  const expand = (value: string) => value.replace(/%\(program_name\)s/g, programName).replace(/%%/g, '%');
  while (at < text.length) {
    while (at < text.length && /[\s,]/.test(text[at])) at++;
    if (text[at] === ';' || at >= text.length) break;
    const eq = text.indexOf('=', at);
    if (eq < 0) break;
    const key = text.slice(at, eq).trim();
    at = eq + 1;
    let value = '';
    const quote = text[at];
    if (quote === '"' || quote === "'") {
      const end = text.indexOf(quote, at + 1);
      value = text.slice(at + 1, end < 0 ? text.length : end);
      at = end < 0 ? text.length : end + 1;
    } else {
      const match = text.slice(at).match(/^[^,]*?(?=,|\s;|$)/);
      value = (match ? match[0] : '').trim();
      at += match ? match[0].length : 0;
    }
    result[key] = expand(value);
  }
  return result;
}

/** Program name -> portal label, over every conf file's text. */
export function readProgramLabels(confTexts: readonly string[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const text of confTexts) {
    for (const [program, env] of readProgramEnvironments(text)) {
      const label = env[PORTAL_LABEL_ENV]?.trim();
      if (label) labels.set(program, label);
    }
  }
  return labels;
}

/**
 * The program behind an application: an exact label match (ignoring case) wins; otherwise the program whose label
 * is contained in the application's label, longest first. exit_portal starts a service when its label appears in
 * portal.yaml, so a `Jupyter` program also serves a `Jupyter Terminal` link.
 */
export function programForApplication(applicationLabel: string, labels: ReadonlyMap<string, string>): string | null {
  const wanted = applicationLabel.toLowerCase();
  let best: { program: string; length: number } | null = null;
  for (const [program, label] of labels) {
    const have = label.toLowerCase();
    if (have === wanted) return program;
    if (wanted.includes(have) && (!best || have.length > best.length)) best = { program, length: have.length };
  }
  return best?.program ?? null;
}
