import type { Command } from 'commander';
import { define as defineUpload } from './upload.js';
import { define as defineList } from './ls.js';
import { define as defineMove } from './move.js';
import { define as defineRemove } from './rm.js';
import { define as defineUrl } from './url.js';

/** `session video upload|ls|move|rm|url`. */
export function registerVideoCommands(program: Command): void {
  const video = program.command('video').description('Upload, list, reorder, delete and share the videos of a module');
  defineUpload(video);
  defineList(video);
  defineMove(video);
  defineRemove(video);
  defineUrl(video);
}
