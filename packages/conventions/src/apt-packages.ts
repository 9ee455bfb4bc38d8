// One list of apt packages, two build profiles: what each profile installs, how they differ and why, and the list an
// external image's graft installs. The list itself is data in an image.ts (base-image's); these functions render it.
import { GRAFT_APT_LIST } from './runtime-contract';

export type AptProfile = 'production' | 'local';

interface AptPackageBase {
  /** The package name in the production profile (Ubuntu, as upstream's base installs it). */
  name: string;
  /** Upstream's group comment for it (`Network utilities`, ...), kept so the list reads like upstream's. */
  group: string;
  /**
   * The command the package provides, for packages an upstream image may already carry from elsewhere (its own
   * python, node, caddy): graft.sh installs the package only when the command is missing, so the upstream's is kept.
   */
  command?: string;
}

/** Installed by both profiles under the same name. */
interface SharedAptPackage extends AptPackageBase {
  local?: undefined;
  production?: undefined;
}
/** The local profile (Debian bookworm) installs another package for it (`local`), or none (`false`); `why` says why. */
interface LocalDifference extends AptPackageBase {
  local: string | false;
  why: string;
  production?: undefined;
}
/** Installed by the local profile only (production gets it elsewhere, e.g. from PyPI); `why` says why. */
interface LocalOnly extends AptPackageBase {
  production: false;
  why: string;
  local?: undefined;
}
export type AptPackage = SharedAptPackage | LocalDifference | LocalOnly;

/** A named difference between the profiles: what production installs, what local installs instead, and why. */
export interface AptProfileDifference {
  production: string | null;
  local: string | null;
  why: string;
}

/** The package names one profile installs, in list order, without duplicates. */
export function aptPackageNames(list: readonly AptPackage[], profile: AptProfile): string[] {
  const names = list.flatMap((p): string[] => {
    if (profile === 'production') return p.production === false ? [] : [p.name];
    if (p.local === false) return [];
    return [typeof p.local === 'string' ? p.local : p.name];
  });
  return [...new Set(names)];
}

/** Every entry on which the profiles differ, with its reason. */
export function aptProfileDifferences(list: readonly AptPackage[]): AptProfileDifference[] {
  return list.flatMap((p): AptProfileDifference[] => {
    if (p.production === false) return [{ production: null, local: p.name, why: p.why }];
    if (p.local === false) return [{ production: p.name, local: null, why: p.why }];
    if (typeof p.local === 'string') return [{ production: p.name, local: p.local, why: p.why }];
    return [];
  });
}

/** Wraps words into `  a b c \` continuation lines of at most `width` characters. */
function wrapWords(words: string[], width = 110): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.map((l, i) => `  ${l}${i < lines.length - 1 ? ' \\' : ''}`);
}

/** `# ...: why` lines naming each difference from the other profile, so the rendered step says what it does not share. */
function differenceComments(list: readonly AptPackage[], profile: AptProfile): string[] {
  const other = profile === 'local' ? 'production' : 'local';
  return aptProfileDifferences(list).map((d) => {
    const mine = d[profile];
    const theirs = d[other];
    if (mine === null) return `# not ${theirs} (${other} only): ${d.why}`;
    if (theirs === null) return `# ${mine} (this profile only): ${d.why}`;
    return `# ${mine} for ${other}'s ${theirs}: ${d.why}`;
  });
}

/**
 * `name[ command]` lines: the graft's list. graft.sh installs each package of it that the upstream image lacks (and,
 * where a command is named, whose command it lacks), and skips names its apt sources do not have.
 */
export function renderGraftAptList(list: readonly AptPackage[], profile: AptProfile): string {
  const command = new Map(
    list.flatMap((p) =>
      p.command
        ? [
            [p.name, p.command],
            [p.local || p.name, p.command],
          ]
        : [],
    ),
  );
  // The graft has no PyPI step: the runtime programs the production base takes from PyPI, it takes from apt.
  const runtime = profile === 'production' ? list.filter((p) => p.production === false && p.command).map((p) => p.name) : [];
  return [...new Set([...aptPackageNames(list, profile), ...runtime])]
    .map((name) => (command.has(name) ? `${name} ${command.get(name)}` : name))
    .join('\n');
}

/**
 * The shell of an install step: apt-get install of the profile's names (no recommends, as upstream), with each
 * difference from the other profile named in a comment, then the graft's list written to GRAFT_APT_LIST so an
 * external image built on this base installs the same packages.
 */
export function renderAptInstall(list: readonly AptPackage[], profile: AptProfile, options: { upgrade?: boolean } = {}): string {
  return [
    ...differenceComments(list, profile),
    'apt-get update',
    ...(options.upgrade ? ['apt-get upgrade -y'] : []),
    'apt-get install -y --no-install-recommends \\',
    ...wrapWords(aptPackageNames(list, profile)),
    'rm -rf /var/lib/apt/lists/*',
    `mkdir -p "$(dirname ${GRAFT_APT_LIST})"`,
    `cat > ${GRAFT_APT_LIST} <<'EOF'`,
    renderGraftAptList(list, profile),
    'EOF',
  ].join('\n');
}
