// Integrity of cached downloads. An interrupted or damaged download must be noticed before a
// JVM trips over it with an obscure ZipException, so every cached archive is checked:
// - jars (zip): the end-of-central-directory record is present and points inside the file;
// - tar.gz: the whole gzip stream inflates without error (a truncated file does not);
// - unpacked trees carry a marker file written only after extraction succeeded.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const EOCD_MIN_BYTES = 22;
const EOCD_SEARCH_BYTES = EOCD_MIN_BYTES + 0xffff; // the record ends with a comment of up to 64 KiB

/** Undefined when the file looks like a complete zip/jar, otherwise why it does not. */
export async function zipProblem(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    return `cannot open: ${(error as Error).message}`;
  }
  try {
    const { size } = await handle.stat();
    if (size < EOCD_MIN_BYTES) return `only ${size} bytes`;
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (head.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE && head.readUInt32LE(0) !== EOCD_SIGNATURE) return 'does not start like a zip file';
    const tailLength = Math.min(size, EOCD_SEARCH_BYTES);
    const tail = Buffer.alloc(tailLength);
    await handle.read(tail, 0, tailLength, size - tailLength);
    for (let at = tailLength - EOCD_MIN_BYTES; at >= 0; at--) {
      if (tail.readUInt32LE(at) !== EOCD_SIGNATURE) continue;
      const entries = tail.readUInt16LE(at + 10);
      const directorySize = tail.readUInt32LE(at + 12);
      const directoryOffset = tail.readUInt32LE(at + 16);
      const eocdOffset = size - tailLength + at;
      if (directoryOffset === 0xffffffff) return undefined; // zip64: the offsets live elsewhere; trust the record
      if (directoryOffset + directorySize > eocdOffset) return 'central directory points past the end of the file (truncated)';
      if (entries === 0) return undefined;
      const central = Buffer.alloc(4);
      await handle.read(central, 0, 4, directoryOffset);
      return central.readUInt32LE(0) === CENTRAL_HEADER_SIGNATURE ? undefined : 'central directory is damaged';
    }
    return 'no end-of-central-directory record (truncated download?)';
  } finally {
    await handle.close();
  }
}

/** Undefined when the whole gzip stream inflates, otherwise the zlib error. */
export async function gzipProblem(file: string): Promise<string | undefined> {
  try {
    await pipeline(
      createReadStream(file),
      createGunzip(),
      new Writable({
        write(_chunk, _encoding, callback) {
          callback();
        },
      }),
    );
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export async function fileDigest(file: string, algorithm: 'sha1' | 'sha512'): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

export const COMPLETE_MARKER = '.complete';

/** Contents of the marker that says an unpacked tree is whole. */
export type CompleteMarker = { source: string; completedAt: string } & Record<string, unknown>;
export type CompleteMarkerFields = { source: string } & Record<string, unknown>;

export async function readCompleteMarker(dir: string): Promise<CompleteMarker | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, COMPLETE_MARKER), 'utf8')) as CompleteMarker;
  } catch {
    return undefined;
  }
}

export async function writeCompleteMarker(dir: string, fields: CompleteMarkerFields): Promise<void> {
  const marker: CompleteMarker = { ...fields, completedAt: new Date().toISOString() };
  await writeFile(join(dir, COMPLETE_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}

/**
 * Unpacks a .tar.gz into `dest` atomically: into a sibling temp dir first, then renamed, then
 * marked complete. Throws (without touching `dest`) when the archive is damaged.
 */
export async function extractTarGz(archive: string, dest: string, marker: CompleteMarkerFields): Promise<void> {
  const problem = await gzipProblem(archive);
  if (problem) throw new Error(`gzip stream is damaged: ${problem}`);
  const partial = `${dest}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  try {
    await execFileAsync('tar', ['-xzf', archive, '-C', partial], { maxBuffer: 16 * 1024 * 1024 });
    await rm(dest, { recursive: true, force: true });
    await rename(partial, dest);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw new Error(`tar could not unpack it: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}`, { cause: error });
  }
  await writeCompleteMarker(dest, marker);
}
