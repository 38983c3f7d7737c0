import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, stringify, type Node, type Pair, type YAMLMap } from 'yaml';
import { CliError, ExitCode } from './errors.js';
import { SESSION_TYPES, checkSessionType } from './content.js';

/**
 * The import manifest: one shape, read from YAML or JSON (JSON is YAML), written by `export`
 * and by `import --print-manifest`. Every parsed item remembers where it came from, so later
 * checks (a missing file, a hash that does not match) can name the line too.
 *
 *   version: 1                      # optional
 *   sessions:
 *     - key: sql-101                # stable id for re-imports
 *       name: Intro to SQL
 *       type: Linear Flow           # optional
 *       modules:
 *         - key: basics
 *           name: The basics
 *           videos:
 *             - file: basics/select.mp4   # relative to the manifest
 *               key: select.mp4           # optional, defaults to the file's name
 *               sha256: 9f86d0…           # optional; checked against the file
 *               duration_ms: 754000       # optional (export writes it); checked against the file
 *
 * A single session may also be written at the top level (key, name, type, modules).
 */

export const MANIFEST_VERSION = 1;
export const NAME_MAX = 255;
export const KEY_MAX = 255;

/** Where a value sits: the manifest file, its 1-based line, and the field path. */
export interface SourceRef {
  file: string;
  line: number | null;
  field: string;
}

export interface ManifestVideo {
  key: string;
  /** As written in the manifest (forward slashes), relative to the manifest's folder. */
  file: string;
  /** The file on disk. */
  absolutePath: string;
  /** When the manifest states it, the file must hash to it. */
  sha256: string | null;
  /** When the manifest states it (export writes it), the file's container must say the same (core/media-plan.ts). */
  durationMs?: number | null;
  at: SourceRef;
  fileAt: SourceRef;
}

export interface ManifestModule {
  key: string;
  name: string;
  videos: ManifestVideo[];
  at: SourceRef;
}

export interface ManifestSession {
  key: string;
  name: string;
  type: string | null;
  modules: ManifestModule[];
  at: SourceRef;
}

export interface Manifest {
  /** How to name the source in messages (`course.yaml`, or a folder). */
  source: string;
  /** Folder that relative `file` paths start from. */
  baseDir: string;
  sessions: ManifestSession[];
}

/** The plain, serialisable form: what `export` and `--print-manifest` write and what `import` reads. */
export interface ManifestDocument {
  version?: number;
  sessions: Array<{
    key: string;
    name: string;
    type?: string;
    modules: Array<{
      key: string;
      name: string;
      videos: Array<{ key?: string; file: string; sha256?: string; duration_ms?: number }>;
    }>;
  }>;
}

export interface ManifestIssue {
  file: string;
  line: number | null;
  field: string;
  message: string;
}

export function formatIssue(issue: ManifestIssue): string {
  const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}`;
  return issue.field ? `${where}: ${issue.field}: ${issue.message}` : `${where}: ${issue.message}`;
}

const SHOWN_ISSUES = 20;

/** Bad input in a manifest or folder: exit 2, every problem listed with its line and field. */
export class ManifestError extends CliError {
  readonly issues: ManifestIssue[];

  constructor(issues: ManifestIssue[], hint = 'fix the manifest and run again; nothing was written') {
    const lines = issues.slice(0, SHOWN_ISSUES).map(formatIssue);
    if (issues.length > SHOWN_ISSUES) lines.push(`… and ${issues.length - SHOWN_ISSUES} more`);
    super(lines.join('\n'), { code: 'invalid_manifest', hint, exitCode: ExitCode.usage, details: { issues } });
    this.name = 'ManifestError';
    this.issues = issues;
  }
}

export interface ParseOptions {
  /** Name used in messages, usually the path as the user typed it. */
  source: string;
  /** Folder the `file` paths are relative to. */
  baseDir: string;
}

export async function readManifestFile(file: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (err as Error).message;
    throw new ManifestError([{ file, line: null, field: '', message: reason }], 'pass a manifest file (.yaml, .yml or .json) or a course folder');
  }
  return parseManifest(text, { source: file, baseDir: path.dirname(path.resolve(file)) });
}

/** Parses and validates a manifest. Throws ManifestError listing every problem; returns only valid manifests. */
export function parseManifest(text: string, opts: ParseOptions): Manifest {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const issues: ManifestIssue[] = [];
  const lineOf = (node: { range?: [number, number, number] | null | undefined } | null | undefined): number | null =>
    node?.range ? lines.linePos(node.range[0]).line : null;
  const issue = (node: Node | Pair | null | undefined, field: string, message: string): void => {
    const at = node && 'range' in node ? node : node && 'key' in node ? ((node.value as Node | null) ?? (node.key as Node | null)) : null;
    issues.push({ file: opts.source, line: lineOf(at), field, message });
  };

  for (const err of doc.errors) {
    issues.push({ file: opts.source, line: err.linePos?.[0].line ?? null, field: '', message: syntaxMessage(err.message) });
  }
  if (issues.length > 0) throw new ManifestError(issues);

  const root = doc.contents;
  if (!isMap(root)) {
    issue(root, '', root === null ? 'the manifest is empty' : 'must be a mapping with `sessions:` (or `key`, `name` and `modules` for one session)');
    throw new ManifestError(issues);
  }

  const reader = new NodeReader(opts.source, issues, lineOf);
  const sessions: ManifestSession[] = [];
  const rootFields = reader.fields(root, '', ['version', 'sessions', 'key', 'name', 'type', 'modules']);
  const version = rootFields.get('version');
  if (version && !(isScalar(version.value) && version.value.value === MANIFEST_VERSION)) {
    issue(version, 'version', `must be ${MANIFEST_VERSION} (this tool reads manifest version ${MANIFEST_VERSION})`);
  }
  const sessionsPair = rootFields.get('sessions');
  const shorthand = ['key', 'name', 'type', 'modules'].some((k) => rootFields.has(k));
  if (sessionsPair && shorthand) {
    issue(sessionsPair, 'sessions', 'use either `sessions:` or a single session at the top level (key, name, modules), not both');
  } else if (sessionsPair) {
    const list = sessionsPair.value as Node | null;
    if (!isSeq(list)) {
      issue(sessionsPair, 'sessions', 'must be a list of sessions');
    } else {
      if (list.items.length === 0) issue(sessionsPair, 'sessions', 'must list at least one session');
      list.items.forEach((item, i) => {
        const s = reader.session(item as Node, `sessions[${i}]`);
        if (s) sessions.push(s);
      });
    }
  } else if (shorthand) {
    const s = reader.session(root, '', rootFields);
    if (s) sessions.push(s);
  } else {
    issue(root, '', 'has no sessions: write `sessions:` (a list) or `key`, `name` and `modules` for one session');
  }

  reader.unique(sessions, (s) => s.key, (s) => `${s.at.field ? `${s.at.field}.` : ''}key`, 'session');
  for (const s of sessions) {
    reader.unique(s.modules, (m) => m.key, (m) => `${m.at.field}.key`, `module in session "${s.key}"`);
    for (const m of s.modules) reader.unique(m.videos, (v) => v.key, (v) => `${v.at.field}.key`, `video in module "${m.key}"`);
  }

  for (const s of sessions) {
    for (const m of s.modules) {
      for (const v of m.videos) v.absolutePath = path.resolve(opts.baseDir, ...v.file.split('/'));
    }
  }
  if (issues.length > 0) throw new ManifestError(issues);
  return { source: opts.source, baseDir: opts.baseDir, sessions };
}

/** yaml's messages end with " at line L, column C:" and a code excerpt; the line is reported separately. */
function syntaxMessage(message: string): string {
  const first = message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '').trim();
  return first.charAt(0).toLowerCase() + first.slice(1);
}

type LineOf = (node: { range?: [number, number, number] | null | undefined } | null | undefined) => number | null;

/** Walks the YAML nodes of one manifest, collecting issues instead of stopping at the first. */
class NodeReader {
  constructor(
    private readonly file: string,
    private readonly issues: ManifestIssue[],
    private readonly lineOf: LineOf,
  ) {}

  private report(node: { range?: [number, number, number] | null } | null | undefined, field: string, message: string): void {
    this.issues.push({ file: this.file, line: this.lineOf(node), field, message });
  }

  private at(node: Node | null | undefined, field: string): SourceRef {
    return { file: this.file, line: this.lineOf(node), field };
  }

  /** The fields of a mapping by name; unknown names are reported (they are usually typos). */
  fields(map: YAMLMap, field: string, known: string[]): Map<string, Pair> {
    const out = new Map<string, Pair>();
    for (const pair of map.items) {
      const keyNode = pair.key as Node | null;
      const name = isScalar(keyNode) ? String(keyNode.value) : null;
      if (name === null || !known.includes(name)) {
        this.report(keyNode, join(field, name ?? '?'), `unknown field (expected one of: ${known.join(', ')})`);
        continue;
      }
      out.set(name, pair);
    }
    return out;
  }

  session(node: Node, field: string, known?: Map<string, Pair>): ManifestSession | null {
    if (!isMap(node)) {
      this.report(node, field, 'must be a mapping with key, name and modules');
      return null;
    }
    const fields = known ?? this.fields(node, field, ['key', 'name', 'type', 'modules']);
    const key = this.key(fields.get('key'), node, join(field, 'key'));
    const name = this.name(fields.get('name'), node, join(field, 'name'));
    const typePair = fields.get('type');
    let type: string | null = null;
    if (typePair && !isNullNode(typePair.value as Node | null)) {
      const text = this.text(typePair, join(field, 'type'), NAME_MAX);
      if (text !== null) {
        type = sessionTypeOf(text);
        if (type === null) this.report(typePair.value as Node, join(field, 'type'), `unknown session type "${text}" (use one of: ${SESSION_TYPES.join(', ')})`);
      }
    }
    const modules: ManifestModule[] = [];
    const modulesPair = fields.get('modules');
    if (!modulesPair) {
      this.report(node, join(field, 'modules'), 'is required (a list of modules; may be empty: [])');
    } else if (!isNullNode(modulesPair.value as Node | null) && !isSeq(modulesPair.value)) {
      this.report(modulesPair.value as Node, join(field, 'modules'), 'must be a list of modules');
    } else if (isSeq(modulesPair.value)) {
      modulesPair.value.items.forEach((item, i) => {
        const m = this.module(item as Node, join(field, `modules[${i}]`));
        if (m) modules.push(m);
      });
    }
    if (key === null || name === null) return null;
    return { key, name, type, modules, at: this.at(node, field) };
  }

  module(node: Node, field: string): ManifestModule | null {
    if (!isMap(node)) {
      this.report(node, field, 'must be a mapping with key, name and videos');
      return null;
    }
    const fields = this.fields(node, field, ['key', 'name', 'videos']);
    const key = this.key(fields.get('key'), node, join(field, 'key'));
    const name = this.name(fields.get('name'), node, join(field, 'name'));
    const videos: ManifestVideo[] = [];
    const videosPair = fields.get('videos');
    if (videosPair && !isNullNode(videosPair.value as Node | null)) {
      if (!isSeq(videosPair.value)) {
        this.report(videosPair.value as Node, join(field, 'videos'), 'must be a list of videos');
      } else {
        videosPair.value.items.forEach((item, i) => {
          const v = this.video(item as Node, join(field, `videos[${i}]`));
          if (v) videos.push(v);
        });
      }
    }
    if (key === null || name === null) return null;
    return { key, name, videos, at: this.at(node, field) };
  }

  video(node: Node, field: string): ManifestVideo | null {
    if (!isMap(node)) {
      this.report(node, field, 'must be a mapping with file (and optionally key)');
      return null;
    }
    const fields = this.fields(node, field, ['key', 'file', 'sha256', 'duration_ms']);
    const filePair = fields.get('file');
    let file: string | null = null;
    if (!filePair) this.report(node, join(field, 'file'), 'is required (a path relative to the manifest)');
    else file = this.filePath(filePair, join(field, 'file'));
    const keyPair = fields.get('key');
    const key = keyPair ? this.key(keyPair, node, join(field, 'key')) : file === null ? null : path.posix.basename(file);
    if (keyPair === undefined && key !== null && !validKey(key)) {
      this.report(filePair?.value as Node, join(field, 'file'), 'its file name is not a usable key; set `key`');
    }
    let sha256: string | null = null;
    const shaPair = fields.get('sha256');
    if (shaPair) {
      const value = this.text(shaPair, join(field, 'sha256'), 64);
      if (value !== null && !/^[0-9a-f]{64}$/i.test(value)) this.report(shaPair.value as Node, join(field, 'sha256'), 'must be 64 hexadecimal digits');
      else if (value !== null) sha256 = value.toLowerCase();
    }
    let durationMs: number | null = null;
    const durationPair = fields.get('duration_ms');
    if (durationPair) {
      const node = durationPair.value as Node | null;
      const value = isScalar(node) ? node.value : null;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) this.report(node ?? (durationPair.key as Node), join(field, 'duration_ms'), 'must be a whole number of milliseconds');
      else durationMs = value;
    }
    if (key === null || file === null || filePair === undefined) return null;
    return {
      key,
      file,
      absolutePath: '',
      sha256,
      durationMs,
      at: this.at(node, field),
      fileAt: this.at(filePair.value as Node, join(field, 'file')),
    };
  }

  /** A scalar as text. Numbers keep their source spelling (`01` stays "01"). */
  private text(pair: Pair, field: string, max: number): string | null {
    const node = pair.value as Node | null;
    if (isNullNode(node)) {
      this.report(node ?? (pair.key as Node), field, 'must not be blank');
      return null;
    }
    if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number')) {
      this.report(node, field, 'must be text');
      return null;
    }
    const value = typeof node.value === 'number' && node.source !== undefined ? node.source : String(node.value);
    if (value.trim() === '') {
      this.report(node, field, 'must not be blank');
      return null;
    }
    if (value.length > max) {
      this.report(node, field, `must be at most ${max} characters (has ${value.length})`);
      return null;
    }
    return value;
  }

  private name(pair: Pair | undefined, parent: Node, field: string): string | null {
    if (!pair) {
      this.report(parent, field, 'is required');
      return null;
    }
    const value = this.text(pair, field, NAME_MAX);
    return value === null ? null : value.trim();
  }

  private key(pair: Pair | undefined, parent: Node, field: string): string | null {
    if (!pair) {
      this.report(parent, field, 'is required (a stable id, so a re-import updates instead of duplicating)');
      return null;
    }
    const value = this.text(pair, field, KEY_MAX);
    if (value === null) return null;
    if (!validKey(value)) {
      this.report(pair.value as Node, field, 'must not start or end with spaces or hold control characters');
      return null;
    }
    return value;
  }

  private filePath(pair: Pair, field: string): string | null {
    const value = this.text(pair, field, 4096);
    if (value === null) return null;
    const file = path.posix.normalize(value.replace(/\\/g, '/'));
    if (file.endsWith('/')) {
      this.report(pair.value as Node, field, 'must name a file, not a folder');
      return null;
    }
    if (/[\u0000-\u001f]/.test(file)) {
      this.report(pair.value as Node, field, 'must not hold control characters');
      return null;
    }
    return file;
  }

  /** Keys identify rows within their parent: a repeated key is reported at its second use. */
  unique<T extends { at: SourceRef }>(items: T[], keyOf: (item: T) => string, fieldOf: (item: T) => string, what: string): void {
    const seen = new Map<string, T>();
    for (const item of items) {
      const key = keyOf(item);
      const first = seen.get(key);
      if (first) {
        const firstLine = first.at.line === null ? '' : ` (first on line ${first.at.line})`;
        this.issues.push({ file: this.file, line: item.at.line, field: fieldOf(item), message: `duplicate key "${key}" for a ${what}${firstLine}` });
      } else {
        seen.set(key, item);
      }
    }
  }
}

function join(parent: string, field: string): string {
  return parent ? `${parent}.${field}` : field;
}

function isNullNode(node: Node | null | undefined): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** The stored spelling of a session type as people write it (`self-paced`), or null when unknown. */
function sessionTypeOf(text: string): string | null {
  try {
    return checkSessionType(text) ?? null;
  } catch {
    return null;
  }
}

export function validKey(key: string): boolean {
  return key.trim() === key && key.length > 0 && !/[\u0000-\u001f\u007f]/.test(key);
}

/** The serialisable document of a parsed manifest (paths stay as written). */
export function toDocument(manifest: Manifest): ManifestDocument {
  return {
    version: MANIFEST_VERSION,
    sessions: manifest.sessions.map((s) => ({
      key: s.key,
      name: s.name,
      ...(s.type === null ? {} : { type: s.type }),
      modules: s.modules.map((m) => ({
        key: m.key,
        name: m.name,
        videos: m.videos.map((v) => ({
          ...(v.key === path.posix.basename(v.file) ? {} : { key: v.key }),
          file: v.file,
          ...(v.sha256 === null ? {} : { sha256: v.sha256 }),
          ...(v.durationMs === null || v.durationMs === undefined ? {} : { duration_ms: v.durationMs }),
        })),
      })),
    })),
  };
}

export type ManifestFormat = 'yaml' | 'json';

/** JSON for `.json` files, YAML otherwise. */
export function formatFor(file: string | undefined): ManifestFormat {
  return file !== undefined && file.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
}

export function serializeManifest(doc: ManifestDocument, format: ManifestFormat): string {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  // Keys like `01` or `yes` must stay strings when read back; yaml quotes them when needed.
  return stringify(doc, { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' });
}
