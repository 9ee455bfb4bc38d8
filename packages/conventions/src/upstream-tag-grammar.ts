// Upstream's tag names as a typed grammar (upstream-contract §4.5, upstream-runtime §4.4): one kind per form, each
// rendered from its parts and parsed back, so a template pinned to an upstream tag finds the same name here. Pure:
// the date and every ref are arguments.
import { TagError, validateTag } from './tags';

/** The per-architecture suffix of a staging tag before the merge into one manifest list. */
export type Arch = 'amd64' | 'arm64';

/** `YYYY-MM-DD` (UTC, `date -u +%Y-%m-%d`), never `YYYYMMDD`. */
export const TAG_DATE = /^\d{4}-\d{2}-\d{2}$/;

export type UpstreamTag =
  /**
   * Base (full, mini) and pytorch multi: `<template>-py<XY>-<DATE>`, and without `-py<XY>` the alias of the default
   * Python. `cuda-12.9.2-cudnn-devel-ubuntu24.04-py312-2026-08-21`, `cuda-12.9-mini-py312-2026-08-21`,
   * `multi-210-291-271-2026-08-21`.
   */
  | { kind: 'dated'; template: string; python?: string; date: string; arch?: Arch }
  /** The base's moving production alias: `cuda-<X.Y.Z>-auto`. */
  | { kind: 'cuda-auto'; cuda: string }
  /** Pytorch full: `<torch>-cuda-<X.Y.Z>-py<XY>-<ubuntu>-<DATE>`, alias without `-py<XY>` (py312). */
  | { kind: 'pytorch'; torch: string; cuda: string; python?: string; ubuntu: string; date: string; arch?: Arch }
  /** Pytorch mini (and imagegen's basetag): `<torch>-<backend>-cuda-<X.Y>-[mini-]py<XY>-<DATE>`. */
  | { kind: 'pytorch-backend'; torch: string; backend: string; cuda: string; mini: boolean; python: string; date: string; arch?: Arch }
  /**
   * App images built from a release or version: `<ref>[-cuda-<X.Y>][-py<XY>]`. comfyui `v0.3.75-cuda-12.9-py312`,
   * vllm `0.13.0-cuda-12.9` (nightly: ref `nightly-<DATE>`), ollama and openwebui `<version>`.
   */
  | { kind: 'release'; ref: string; cuda?: string; python?: string; arch?: Arch }
  /**
   * Git-ref images: `[<variant>-]<sha7>-<DATE>[-cuda-<X.Y>][-py<XY>]`: a commit-hash ref always carries the date.
   * `lllyasviel-a1b2c3d-2026-02-02-cuda-12.9`, acestep `a1b2c3d-2026-02-02-cuda-12.9-py312`.
   */
  | { kind: 'commit'; prefix?: string; sha: string; date: string; cuda?: string; python?: string; arch?: Arch }
  /** linux-desktop: `[cuda-<X.Y>-]ubuntu<VER>-<SUFFIX>` (SUFFIX the date or an input). */
  | { kind: 'desktop'; cuda?: string; ubuntu: string; suffix: string }
  /** aio-studio: `<DATE>` (or a custom tag) and its base `base-<DATE>`. */
  | { kind: 'studio'; base: boolean; date: string }
  /** Staging forensics of a promotion: `qa-<run_id>-<key>`. */
  | { kind: 'qa'; runId: string; key: string };

export type UpstreamTagKind = UpstreamTag['kind'];

/** `3.12` -> `py312`. */
export const pyPart = (python: string) => `py${python.replace('.', '')}`;
/** `312` -> `3.12` (upstream writes Python as XY: 3.10 is 310). */
const pythonOf = (xy: string) => `${xy[0]}.${xy.slice(1)}`;

const SEMVER3 = /^\d+\.\d+\.\d+$/;
const MAJOR_MINOR = /^\d+\.\d+$/;
const SHA = /^[0-9a-f]{7,40}$/i;

function check(condition: boolean, what: string): void {
  if (!condition) throw new TagError(what);
}

const suffixes = (parts: { cuda?: string; python?: string; arch?: Arch }) =>
  `${parts.cuda !== undefined ? `-cuda-${parts.cuda}` : ''}${parts.python !== undefined ? `-${pyPart(parts.python)}` : ''}${parts.arch ? `-${parts.arch}` : ''}`;

/** The tag of `tag`'s parts; a part that cannot form upstream's name throws a TagError naming it. */
export function renderUpstreamTag(tag: UpstreamTag): string {
  if ('date' in tag) check(TAG_DATE.test(tag.date), `date '${tag.date}' is not YYYY-MM-DD (UTC, date -u +%Y-%m-%d).`);
  if ('python' in tag && tag.python !== undefined) check(/^3\.\d+$/.test(tag.python), `python '${tag.python}' is not 3.N, e.g. 3.12.`);
  let text: string;
  switch (tag.kind) {
    case 'dated':
      text = `${tag.template}${tag.python !== undefined ? `-${pyPart(tag.python)}` : ''}-${tag.date}${tag.arch ? `-${tag.arch}` : ''}`;
      break;
    case 'cuda-auto':
      check(SEMVER3.test(tag.cuda), `cuda '${tag.cuda}' is not X.Y.Z: the auto tag names the full CUDA version, e.g. 12.9.2.`);
      text = `cuda-${tag.cuda}-auto`;
      break;
    case 'pytorch':
      check(SEMVER3.test(tag.cuda), `cuda '${tag.cuda}' is not X.Y.Z: pytorch's tag names the base's full CUDA version.`);
      text = `${tag.torch}-cuda-${tag.cuda}${tag.python !== undefined ? `-${pyPart(tag.python)}` : ''}-${tag.ubuntu}-${tag.date}${tag.arch ? `-${tag.arch}` : ''}`;
      break;
    case 'pytorch-backend':
      check(MAJOR_MINOR.test(tag.cuda), `cuda '${tag.cuda}' is not X.Y.`);
      text = `${tag.torch}-${tag.backend}-cuda-${tag.cuda}-${tag.mini ? 'mini-' : ''}${pyPart(tag.python)}-${tag.date}${tag.arch ? `-${tag.arch}` : ''}`;
      break;
    case 'release':
      if (tag.cuda !== undefined) check(MAJOR_MINOR.test(tag.cuda), `cuda '${tag.cuda}' is not X.Y.`);
      text = `${tag.ref}${suffixes(tag)}`;
      break;
    case 'commit':
      check(SHA.test(tag.sha), `sha '${tag.sha}' is not a git commit sha (7 to 40 hex digits).`);
      if (tag.cuda !== undefined) check(MAJOR_MINOR.test(tag.cuda), `cuda '${tag.cuda}' is not X.Y.`);
      text = `${tag.prefix ? `${tag.prefix}-` : ''}${tag.sha.slice(0, 7).toLowerCase()}-${tag.date}${suffixes(tag)}`;
      break;
    case 'desktop':
      text = `${tag.cuda !== undefined ? `cuda-${tag.cuda}-` : ''}ubuntu${tag.ubuntu}-${tag.suffix}`;
      break;
    case 'studio':
      text = `${tag.base ? 'base-' : ''}${tag.date}`;
      break;
    case 'qa':
      check(/^\d+$/.test(tag.runId), `run id '${tag.runId}' is not a number (GitHub's run_id).`);
      text = `qa-${tag.runId}-${tag.key}`;
      break;
  }
  const problem = validateTag(text);
  if (problem) throw new TagError(`${tag.kind} tag: ${problem}`);
  return text;
}

const DATE = '(\\d{4}-\\d{2}-\\d{2})';
const ARCH = '(?:-(amd64|arm64))?';
const PY = '(?:-py(\\d{3,}))?';
const CUDA = '(?:-cuda-(\\d+\\.\\d+))?';

/** One regex per kind; the groups are read back by PARSERS below. */
const PATTERNS: Record<UpstreamTagKind, RegExp> = {
  dated: new RegExp(`^(.+?)${PY}-${DATE}${ARCH}$`),
  'cuda-auto': /^cuda-(\d+\.\d+\.\d+)-auto$/,
  pytorch: new RegExp(`^(\\d+\\.\\d+\\.\\d+)-cuda-(\\d+\\.\\d+\\.\\d+)${PY}-(\\d{2}\\.\\d{2})-${DATE}${ARCH}$`),
  // imagegen's basetag regex, plus the per-arch suffix of staging
  'pytorch-backend': new RegExp(`^(\\d+\\.\\d+\\.\\d+)-(cu\\d+|cpu|rocm[\\d.]+)-cuda-(\\d+\\.\\d+)-(mini-)?py(\\d+)-${DATE}${ARCH}$`),
  release: new RegExp(`^(.+?)${CUDA}${PY}${ARCH}$`),
  commit: new RegExp(`^(?:(.+)-)?([0-9a-f]{7})-${DATE}${CUDA}${PY}${ARCH}$`),
  desktop: /^(?:cuda-(\d+\.\d+)-)?ubuntu(\d{2}\.\d{2})-(.+)$/,
  studio: new RegExp(`^(base-)?${DATE}$`),
  qa: /^qa-(\d+)-(.+)$/,
};

const opt = <K extends string, V>(key: K, value: V | undefined) => (value === undefined || value === '' ? {} : { [key]: value });

const PARSERS: { [K in UpstreamTagKind]: (m: RegExpExecArray) => Extract<UpstreamTag, { kind: K }> } = {
  dated: (m) => ({ kind: 'dated', template: m[1], ...opt('python', m[2] && pythonOf(m[2])), date: m[3], ...opt('arch', m[4] as Arch) }),
  'cuda-auto': (m) => ({ kind: 'cuda-auto', cuda: m[1] }),
  pytorch: (m) => ({
    kind: 'pytorch',
    torch: m[1],
    cuda: m[2],
    ...opt('python', m[3] && pythonOf(m[3])),
    ubuntu: m[4],
    date: m[5],
    ...opt('arch', m[6] as Arch),
  }),
  'pytorch-backend': (m) => ({
    kind: 'pytorch-backend',
    torch: m[1],
    backend: m[2],
    cuda: m[3],
    mini: m[4] !== undefined,
    python: pythonOf(m[5]),
    date: m[6],
    ...opt('arch', m[7] as Arch),
  }),
  release: (m) => ({
    kind: 'release',
    ref: m[1],
    ...opt('cuda', m[2]),
    ...opt('python', m[3] && pythonOf(m[3])),
    ...opt('arch', m[4] as Arch),
  }),
  commit: (m) => ({
    kind: 'commit',
    ...opt('prefix', m[1]),
    sha: m[2],
    date: m[3],
    ...opt('cuda', m[4]),
    ...opt('python', m[5] && pythonOf(m[5])),
    ...opt('arch', m[6] as Arch),
  }),
  desktop: (m) => ({ kind: 'desktop', ...opt('cuda', m[1]), ubuntu: m[2], suffix: m[3] }),
  studio: (m) => ({ kind: 'studio', base: m[1] !== undefined, date: m[2] }),
  qa: (m) => ({ kind: 'qa', runId: m[1], key: m[2] }),
};

/**
 * Reads `tag` as a tag of `kind`, or undefined when it is not one. The kind is an argument because upstream's forms
 * overlap (`0.17.1` is an ollama release and could be a template): the repository says which grammar applies.
 */
export function parseUpstreamTag<K extends UpstreamTagKind>(kind: K, tag: string): Extract<UpstreamTag, { kind: K }> | undefined {
  const match = PATTERNS[kind].exec(tag);
  return match ? (PARSERS[kind](match) as Extract<UpstreamTag, { kind: K }>) : undefined;
}
