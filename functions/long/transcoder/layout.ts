// Where things go: output keys in S3, segment keys of a segmented run, and local file names derived
// safely from object keys (the key itself never becomes a path or an argument).
import { HLS_PLAYLIST } from './formats.js';
import type { TranscodePayload } from './payload.js';

/** The object key's last segment, and that without its extension. */
export function baseNameOf(key: string): { readonly name: string; readonly stem: string; readonly extension: string } {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const extension = dot > 0 ? name.slice(dot + 1) : '';
  return { name, stem, extension };
}

/**
 * A local file name for a downloaded object: `base` plus the object's extension when it is a plain
 * one (letters and digits; ffmpeg uses it as a hint), never anything else from the key.
 */
export function localName(base: string, objectKey: string): string {
  const { extension } = baseNameOf(objectKey);
  return /^[A-Za-z0-9]{1,10}$/.test(extension) ? `${base}.${extension.toLowerCase()}` : base;
}

function prefixOf(outputDir: string): string {
  return outputDir === '' ? '' : `${outputDir}/`;
}

export interface OutputLayout {
  /** The key recorded first in the result: the file, or the HLS playlist. */
  readonly mainKey: string;
  /** HLS: the folder (ending in "/") holding the playlist and its segments; files go to `folder + name`. */
  readonly folder?: string;
}

/** `<output_dir>/<stem>.<format>`, or for m3u8 `<output_dir>/<stem>/index.m3u8` beside its segments. */
export function outputLayout(payload: TranscodePayload): OutputLayout {
  const { stem } = baseNameOf(payload.object);
  const prefix = prefixOf(payload.outputDir);
  if (payload.format === 'm3u8') {
    const folder = `${prefix}${stem}/`;
    return { mainKey: `${folder}${HLS_PLAYLIST}`, folder };
  }
  return { mainKey: `${prefix}${stem}.${payload.format}` };
}

/** Segmented mode's scratch prefix: `<output_dir>/.segments/<taskId>/`. */
export function segmentsPrefix(payload: TranscodePayload, taskId: string): string {
  return `${prefixOf(payload.outputDir)}.segments/${taskId}/`;
}

export function segmentInputKey(prefix: string, index: number): string {
  return `${prefix}in_${pad(index)}.mkv`;
}

export function segmentOutputKey(prefix: string, index: number): string {
  return `${prefix}out_${pad(index)}.mkv`;
}

function pad(index: number): string {
  return String(index).padStart(3, '0');
}
