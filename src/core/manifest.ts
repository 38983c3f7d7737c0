import path from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, stringify, visit, type Node } from 'yaml';
import { CliError, ExitCode } from '../base/errors.js';
import { SESSION_TYPES, checkSessionType } from './content.js';
import { controlCharacterProblem, findControlCharacter } from './names.js';

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
  /** Fills in the lines of issues found later (a missing file) where the parser did not record them. */
  locate?: (issues: ManifestIssue[]) => ManifestIssue[];
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

/** Manifests larger than this are refused before parsing (a catalogue of 200,000 videos is about 25 MiB of JSON). */
export const MANIFEST_MAX_BYTES = 64 * 1024 * 1024;
/** YAML aliases (`*name`) expanded at most this many times in total: the `yaml` library's `maxAliasCount`. */
export const MANIFEST_MAX_ALIASES = 100;

export async function readManifestFile(file: string): Promise<Manifest> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.isFile() && info.size > MANIFEST_MAX_BYTES) {
      throw new ManifestError([{ file, line: null, field: '', message: tooLarge(info.size) }], 'split the catalogue into several manifests (one per session) and import each');
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (err as Error).message;
    throw new ManifestError([{ file, line: null, field: '', message: reason }], 'pass a manifest file (.yaml, .yml or .json) or a course folder');
  }
  return parseManifest(text, { source: file, baseDir: path.dirname(path.resolve(file)) });
}

function tooLarge(bytes: number): string {
  return `is ${(bytes / 2 ** 20).toFixed(1)} MiB; manifests are limited to ${MANIFEST_MAX_BYTES / 2 ** 20} MiB`;
}

/**
 * Parses and validates a manifest. Throws ManifestError listing every problem; returns only valid manifests.
 *
 * JSON takes a fast path (JSON.parse, then a scan for repeated keys, which JSON.parse would drop silently):
 * building YAML nodes with source ranges for a catalogue of 100,000 videos takes seconds and hundreds of
 * MiB. Line numbers of a JSON manifest are looked up only when there is a problem to report.
 */
export function parseManifest(text: string, opts: ParseOptions): Manifest {
  if (text.length > MANIFEST_MAX_BYTES) throw new ManifestError([{ file: opts.source, line: null, field: '', message: tooLarge(Buffer.byteLength(text)) }]);
  let tree: ParsedTree;
  try {
    tree = (/^\s*[[{]/.test(text) ? parseJson(text) : null) ?? parseYaml(text, opts.source);
  } catch (err) {
    // Thousands of nested brackets exhaust the stack of any recursive reader: no manifest nests more than 7 deep.
    if (err instanceof RangeError) throw new ManifestError([{ file: opts.source, line: null, field: '', message: 'is nested too deeply to be a manifest' }]);
    throw err;
  }
  const issues: ManifestIssue[] = [...tree.issues];
  if (issues.length === 0) {
    const reader = new ManifestReader(opts.source, issues, tree.lineOf);
    const sessions = reader.manifest(tree.value);
    if (issues.length === 0) {
      for (const s of sessions) for (const m of s.modules) for (const v of m.videos) v.absolutePath = resolveFile(opts.baseDir, v.file);
      return { source: opts.source, baseDir: opts.baseDir, sessions, locate: tree.locate };
    }
  }
  throw new ManifestError(tree.locate(issues));
}

/** A `file` value on disk: absolute paths as given, relative ones from the manifest's folder. */
export function resolveFile(baseDir: string, file: string): string {
  return path.posix.isAbsolute(file) || path.win32.isAbsolute(file) ? path.resolve(file) : path.resolve(baseDir, ...file.split('/'));
}

/** A parsed document as plain values, with where each field sits. */
interface ParsedTree {
  value: unknown;
  /** Problems found while reading the text itself (syntax, repeated or non-text keys, alias bombs). */
  issues: ManifestIssue[];
  /** The line of a field path (`sessions[0].modules[1].name`), when known now. */
  lineOf: (field: string) => number | null;
  /** Fills in the lines of issues that lack one (JSON finds them only when asked). */
  locate: (issues: ManifestIssue[]) => ManifestIssue[];
}

function parseJson(text: string): ParsedTree | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null; // the YAML reader names the line of the syntax error
  }
  if (scanJson(text, null).duplicate) return null; // the YAML reader names the repeated key and its field
  return {
    value,
    issues: [],
    lineOf: () => null,
    locate: (issues) => {
      const wanted = new Set(issues.filter((i) => i.line === null && i.field !== '').map((i) => i.field));
      if (wanted.size === 0) return issues;
      const lines = scanJson(text, wanted).lines;
      return issues.map((i) => (i.line === null ? { ...i, line: lines.get(i.field) ?? null } : i));
    },
  };
}

/**
 * One pass over JSON text that JSON.parse accepted: whether an object repeats a key, and the lines of
 * the `wanted` field paths. Nesting deeper than any manifest is skipped (the validator reports it).
 */
export function scanJson(text: string, wanted: ReadonlySet<string> | null): { duplicate: boolean; lines: Map<string, number> } {
  const lines = new Map<string, number>();
  let duplicate = false;
  let i = 0;
  let line = 1;
  const keysAt: string[][] = [];
  const space = (): void => {
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line += 1;
      else if (c !== 32 && c !== 9 && c !== 13) return;
    }
  };
  const string = (): string => {
    const start = ++i;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        i += 2;
      } else i += 1;
    }
    const raw = text.slice(start, i);
    i += 1;
    return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
  };
  const value = (field: string | null, depth: number): void => {
    space();
    if (field !== null && wanted?.has(field)) lines.set(field, line);
    const c = text.charCodeAt(i);
    if (c === 123 /* { */ || c === 91 /* [ */) {
      const isObject = c === 123;
      // One reused list of keys per depth (manifest objects have a handful): no allocation per object.
      const keys = isObject ? (keysAt[depth] ??= []) : null;
      if (keys) keys.length = 0;
      const close = isObject ? 125 : 93;
      i += 1;
      space();
      if (text.charCodeAt(i) === close) {
        i += 1;
        return;
      }
      for (let index = 0; ; index++) {
        let child: string | null = null;
        if (keys) {
          space();
          const key = string();
          if (keys.includes(key)) duplicate = true;
          keys.push(key);
          space();
          i += 1; // ':'
          child = field === null ? null : join(field, key);
        } else {
          child = field === null ? null : `${field}[${index}]`;
        }
        if (depth > 32) child = null;
        value(child, depth + 1);
        space();
        if (text.charCodeAt(i) === 44 /* , */) {
          i += 1;
          continue;
        }
        i += 1; // the closing bracket
        return;
      }
    }
    if (c === 34) {
      string();
      return;
    }
    while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i += 1;
  };
  value(wanted ? '' : null, 0);
  return { duplicate, lines };
}

/** YAML (and JSON that needs its lines): plain values, field lines, and problems of the text itself. */
function parseYaml(text: string, source: string): ParsedTree {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: false });
  const issues: ManifestIssue[] = [];
  const lines = new Map<string, number>();
  const lineOf = (node: { range?: [number, number, number] | null | undefined } | null | undefined): number | null =>
    node?.range ? counter.linePos(node.range[0]).line : null;
  const tree: ParsedTree = { value: null, issues, lineOf: (field) => lines.get(field) ?? null, locate: (found) => found };
  for (const err of doc.errors) {
    issues.push({ file: source, line: err.linePos?.[0].line ?? null, field: '', message: syntaxMessage(err.message) });
  }
  if (issues.length > 0) return tree;

  // An alias bomb (a few lines whose aliases expand to billions of nodes) is refused before any walk.
  let firstAlias: Node | null = null;
  visit(doc, {
    Alias(_, node) {
      firstAlias = node;
      return visit.BREAK;
    },
  });
  if (firstAlias !== null) {
    try {
      doc.toJS({ maxAliasCount: MANIFEST_MAX_ALIASES });
    } catch (err) {
      const message = /alias/i.test((err as Error).message)
        ? `YAML aliases expand to too many nodes (more than ${MANIFEST_MAX_ALIASES} alias uses in total); refused as a likely resource-exhaustion attack, nothing was read`
        : syntaxMessage((err as Error).message);
      issues.push({ file: source, line: lineOf(firstAlias), field: '', message });
      return tree;
    }
  }

  const plain = (node: unknown, field: string): unknown => {
    if (isAlias(node)) return plain(node.resolve(doc), field);
    if (isMap(node)) {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      const seen = new Map<string, number | null>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const keyLine = lineOf(keyNode);
        if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
          const shown = isScalar(keyNode) ? String(keyNode.source ?? keyNode.value) : isSeq(keyNode) ? '[…]' : isMap(keyNode) ? '{…}' : '?';
          const what = isScalar(keyNode) ? (keyNode.value === null ? 'null' : `a ${typeof keyNode.value}`) : isSeq(keyNode) ? 'a list' : 'a mapping';
          issues.push({ file: source, line: keyLine, field: join(field, shown), message: `field names must be text, not ${what}` });
          continue;
        }
        const name = keyNode.value;
        const child = join(field, name);
        if (seen.has(name)) {
          const first = seen.get(name);
          issues.push({ file: source, line: keyLine, field: child, message: `repeated field${first === null || first === undefined ? '' : ` (first on line ${first})`}` });
          continue;
        }
        seen.set(name, keyLine);
        const valueNode = pair.value as Node | null;
        lines.set(child, lineOf(valueNode) ?? keyLine ?? 0);
        out[name] = plain(valueNode, child);
      }
      return out;
    }
    if (isSeq(node)) {
      return node.items.map((item, index) => {
        const child = `${field}[${index}]`;
        const line = lineOf(item as Node);
        if (line !== null) lines.set(child, line);
        return plain(item, child);
      });
    }
    if (isScalar(node)) {
      // Numbers keep their source spelling (`01` stays "01", `1.10` stays "1.10").
      return typeof node.value === 'number' && node.source !== undefined ? new NumberText(node.source, node.value) : node.value;
    }
    return null;
  };
  const root = doc.contents;
  const rootLine = lineOf(root as Node | null);
  if (rootLine !== null) lines.set('', rootLine);
  tree.value = plain(root, '');
  return tree;
}

/** A YAML number as written: read as text for keys and names, as a number for `version`. */
class NumberText {
  constructor(
    readonly source: string,
    readonly value: number,
  ) {}
}

/** yaml's messages end with " at line L, column C:" and a code excerpt; the line is reported separately. */
function syntaxMessage(message: string): string {
  const first = message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '').trim();
  return first.charAt(0).toLowerCase() + first.slice(1);
}

type Fields = Map<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof NumberText);
const isBlank = (value: unknown): boolean => value === null || value === undefined;

/** Checks the plain document, collecting every problem instead of stopping at the first. */
class ManifestReader {
  constructor(
    private readonly file: string,
    private readonly issues: ManifestIssue[],
    private readonly lineOf: (field: string) => number | null,
  ) {}

  private report(field: string, message: string, lineField = field): void {
    this.issues.push({ file: this.file, line: this.lineOf(lineField), field, message });
  }

  private at(field: string): SourceRef {
    return { file: this.file, line: this.lineOf(field), field };
  }

  manifest(root: unknown): ManifestSession[] {
    if (!isObject(root)) {
      this.report('', isBlank(root) ? 'the manifest is empty' : 'must be a mapping with `sessions:` (or `key`, `name` and `modules` for one session)');
      return [];
    }
    const sessions: ManifestSession[] = [];
    const rootFields = this.fields(root, '', ['version', 'sessions', 'key', 'name', 'type', 'modules']);
    if (rootFields.has('version')) {
      const version = rootFields.get('version');
      const number = version instanceof NumberText ? version.value : version;
      if (number !== MANIFEST_VERSION) this.report('version', `must be ${MANIFEST_VERSION} (this tool reads manifest version ${MANIFEST_VERSION})`);
    }
    const shorthand = ['key', 'name', 'type', 'modules'].some((k) => rootFields.has(k));
    if (rootFields.has('sessions') && shorthand) {
      this.report('sessions', 'use either `sessions:` or a single session at the top level (key, name, modules), not both');
    } else if (rootFields.has('sessions')) {
      const list = rootFields.get('sessions');
      if (!Array.isArray(list)) {
        this.report('sessions', 'must be a list of sessions');
      } else {
        if (list.length === 0) this.report('sessions', 'must list at least one session');
        list.forEach((item, i) => {
          const s = this.session(item, `sessions[${i}]`);
          if (s) sessions.push(s);
        });
      }
    } else if (shorthand) {
      const s = this.session(root, '', rootFields);
      if (s) sessions.push(s);
    } else {
      this.report('', 'has no sessions: write `sessions:` (a list) or `key`, `name` and `modules` for one session');
    }

    this.unique(sessions, (s) => s.key, (s) => join(s.at.field, 'key'), 'session');
    for (const s of sessions) {
      this.unique(s.modules, (m) => m.key, (m) => `${m.at.field}.key`, `module in session "${s.key}"`);
      for (const m of s.modules) this.unique(m.videos, (v) => v.key, (v) => `${v.at.field}.key`, `video in module "${m.key}"`);
    }
    return sessions;
  }

  /** The fields of a mapping by name; unknown names are reported (they are usually typos). */
  private fields(map: Record<string, unknown>, field: string, known: string[]): Fields {
    const out: Fields = new Map();
    for (const name of Object.keys(map)) {
      if (!known.includes(name)) {
        this.report(join(field, name), `unknown field (expected one of: ${known.join(', ')})`);
        continue;
      }
      out.set(name, map[name]);
    }
    return out;
  }

  private session(node: unknown, field: string, known?: Fields): ManifestSession | null {
    if (!isObject(node)) {
      this.report(field, 'must be a mapping with key, name and modules');
      return null;
    }
    const fields = known ?? this.fields(node, field, ['key', 'name', 'type', 'modules']);
    const key = this.key(fields, field, 'key');
    const name = this.name(fields, field);
    let type: string | null = null;
    if (!isBlank(fields.get('type'))) {
      const text = this.text(fields.get('type'), join(field, 'type'), NAME_MAX);
      if (text !== null) {
        type = sessionTypeOf(text);
        if (type === null) this.report(join(field, 'type'), `unknown session type "${text}" (use one of: ${SESSION_TYPES.join(', ')})`);
      }
    }
    const modules: ManifestModule[] = [];
    const list = fields.get('modules');
    if (!fields.has('modules')) {
      this.report(join(field, 'modules'), 'is required (a list of modules; may be empty: [])', field);
    } else if (!isBlank(list) && !Array.isArray(list)) {
      this.report(join(field, 'modules'), 'must be a list of modules');
    } else if (Array.isArray(list)) {
      list.forEach((item, i) => {
        const m = this.module(item, join(field, `modules[${i}]`));
        if (m) modules.push(m);
      });
    }
    if (key === null || name === null) return null;
    return { key, name, type, modules, at: this.at(field) };
  }

  private module(node: unknown, field: string): ManifestModule | null {
    if (!isObject(node)) {
      this.report(field, 'must be a mapping with key, name and videos');
      return null;
    }
    const fields = this.fields(node, field, ['key', 'name', 'videos']);
    const key = this.key(fields, field, 'key');
    const name = this.name(fields, field);
    const videos: ManifestVideo[] = [];
    const list = fields.get('videos');
    if (!isBlank(list)) {
      if (!Array.isArray(list)) {
        this.report(join(field, 'videos'), 'must be a list of videos');
      } else {
        list.forEach((item, i) => {
          const v = this.video(item, join(field, `videos[${i}]`));
          if (v) videos.push(v);
        });
      }
    }
    if (key === null || name === null) return null;
    return { key, name, videos, at: this.at(field) };
  }

  private video(node: unknown, field: string): ManifestVideo | null {
    if (!isObject(node)) {
      this.report(field, 'must be a mapping with file (and optionally key)');
      return null;
    }
    const fields = this.fields(node, field, ['key', 'file', 'sha256', 'duration_ms']);
    const fileField = join(field, 'file');
    let file: string | null = null;
    if (!fields.has('file')) this.report(fileField, 'is required (a path relative to the manifest)', field);
    else file = this.filePath(fields.get('file'), fileField);
    const key = fields.has('key') ? this.key(fields, field, 'key') : file === null ? null : path.posix.basename(file);
    if (!fields.has('key') && key !== null && !validKey(key)) this.report(fileField, 'its file name is not a usable key; set `key`');
    let sha256: string | null = null;
    if (fields.has('sha256')) {
      const value = this.text(fields.get('sha256'), join(field, 'sha256'), 64);
      if (value !== null && !/^[0-9a-f]{64}$/i.test(value)) this.report(join(field, 'sha256'), 'must be 64 hexadecimal digits');
      else if (value !== null) sha256 = value.toLowerCase();
    }
    let durationMs: number | null = null;
    if (fields.has('duration_ms')) {
      const raw = fields.get('duration_ms');
      const value = raw instanceof NumberText ? raw.value : raw;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) this.report(join(field, 'duration_ms'), 'must be a whole number of milliseconds');
      else durationMs = value;
    }
    if (key === null || file === null) return null;
    return { key, file, absolutePath: '', sha256, durationMs, at: this.at(field), fileAt: this.at(fileField) };
  }

  /** A scalar as text. Numbers keep their source spelling in YAML (`01` stays "01"). */
  private text(value: unknown, field: string, max: number): string | null {
    if (isBlank(value)) {
      this.report(field, 'must not be blank');
      return null;
    }
    const text = value instanceof NumberText ? value.source : typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
    if (text === null) {
      this.report(field, Array.isArray(value) ? 'must be text, not a list' : isObject(value) ? 'must be text, not a mapping' : `must be text, not ${typeof value === 'boolean' ? 'true or false' : typeof value}`);
      return null;
    }
    if (text.trim() === '') {
      this.report(field, 'must not be blank');
      return null;
    }
    if (text.length > max) {
      this.report(field, `must be at most ${max} characters (has ${text.length})`);
      return null;
    }
    return text;
  }

  private name(fields: Fields, parent: string): string | null {
    const field = join(parent, 'name');
    if (!fields.has('name')) {
      this.report(field, 'is required', parent);
      return null;
    }
    const value = this.text(fields.get('name'), field, NAME_MAX);
    if (value === null) return null;
    // As `session create` refuses it, before any request (the database refuses it too).
    const name = value.trim();
    const control = controlCharacterProblem(name);
    if (control) {
      this.report(field, control);
      return null;
    }
    return name;
  }

  private key(fields: Fields, parent: string, name: string): string | null {
    const field = join(parent, name);
    if (!fields.has(name)) {
      this.report(field, 'is required (a stable id, so a re-import updates instead of duplicating)', parent);
      return null;
    }
    const value = this.text(fields.get(name), field, KEY_MAX);
    if (value === null) return null;
    if (!validKey(value)) {
      this.report(field, 'must not start or end with spaces or hold control characters');
      return null;
    }
    return value;
  }

  private filePath(raw: unknown, field: string): string | null {
    const value = this.text(raw, field, 4096);
    if (value === null) return null;
    const file = path.posix.normalize(value.replace(/\\/g, '/'));
    if (file.endsWith('/')) {
      this.report(field, 'must name a file, not a folder');
      return null;
    }
    if (/[\u0000-\u001f]/.test(file)) {
      this.report(field, 'must not hold control characters');
      return null;
    }
    // The file name becomes the row's file_name, which the database refuses with DEL or C1 characters too.
    const control = controlCharacterProblem(path.posix.basename(file));
    if (control) {
      this.report(field, `its file name ${control}`);
      return null;
    }
    return file;
  }

  /** Keys identify rows within their parent: a repeated key is reported at its second use. */
  private unique<T extends { at: SourceRef }>(items: T[], keyOf: (item: T) => string, fieldOf: (item: T) => string, what: string): void {
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

/** The stored spelling of a session type as people write it (`self-paced`), or null when unknown. */
function sessionTypeOf(text: string): string | null {
  try {
    return checkSessionType(text) ?? null;
  } catch {
    return null;
  }
}

/** No spaces at either end, not empty, no control character (C0, DEL or C1, as `--key` refuses). */
export function validKey(key: string): boolean {
  return key.trim() === key && key.length > 0 && findControlCharacter(key) === null;
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
