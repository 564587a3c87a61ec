/**
 * File access for saved runs that a crafted folder cannot abuse. A run folder can be
 * written by anyone who can write into the lab's data folder, so every file is treated
 * as hostile:
 *
 * - opened only if it is a regular file: lstat first (a symlink, FIFO, device, socket or
 *   folder is refused before it is opened), then open with O_NOFOLLOW | O_NONBLOCK (a link
 *   swapped in meanwhile fails; a FIFO cannot block a file thread) and fstat the open file
 *   (it must still be a regular file, the same one lstat saw);
 * - read with a cap on the file's size and on each line's length, line by line, so neither
 *   /dev/zero nor one 200 MB line can exhaust memory;
 * - written only as new files (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600) in a folder this
 *   call created: nothing is ever overwritten and no link is ever followed.
 *
 * Errors a file's content or kind causes are SafeFileError with an HTTP-like status.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';

/** SafeFileError says why a file was refused; status is the HTTP status that fits. */
export class SafeFileError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// Windows has neither flag; there, lstat and fstat still refuse links and special files.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/** kindOf names what a non-regular file is, for the error message. */
function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** lstatOrNull is lstat, with null for a missing path. */
export async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SafeFileError(400, `cannot read ${path}: ${(e as Error).message}`);
  }
}

/** checkRealFolder refuses a path that is not a folder of its own (a link to one is refused). */
export async function checkRealFolder(path: string): Promise<void> {
  const st = await lstatOrNull(path);
  if (!st) throw new SafeFileError(404, `${path} does not exist`);
  if (!st.isDirectory()) throw new SafeFileError(400, `${path} is ${kindOf(st)}, not a run folder`);
}

/**
 * openRegular opens `path` for reading if it is a regular file of at most maxBytes; a
 * missing file gives null. The returned size is the size at open.
 */
export async function openRegular(path: string, maxBytes: number): Promise<{ fh: FileHandle; size: number } | null> {
  const before = await lstatOrNull(path);
  if (!before) return null;
  if (!before.isFile()) throw new SafeFileError(400, `${path} is ${kindOf(before)}, not a regular file`);
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    throw new SafeFileError(400, `cannot open ${path}: ${(e as Error).message}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.ino !== before.ino || st.dev !== before.dev)
      throw new SafeFileError(400, `${path} changed while it was being opened`);
    if (st.size > maxBytes)
      throw new SafeFileError(413, `${path} is ${st.size} bytes; the limit for a run file is ${maxBytes} bytes`);
    return { fh, size: st.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** READ_CHUNK_BYTES is how much one read takes from a file. */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * readLines calls `onLine` with each line of an open file (UTF-8, without its newline;
 * a final line without one counts), reading at most maxBytes in all and refusing a line
 * longer than maxLineBytes as soon as it passes the cap — the line is never held whole.
 */
export async function readLines(
  fh: FileHandle,
  name: string,
  limits: { maxBytes: number; maxLineBytes: number },
  onLine: (text: string, line: number) => void,
): Promise<void> {
  const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let partBytes = 0;
  let line = 0;
  let total = 0;
  const emit = (): void => {
    line++;
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes);
    parts = [];
    partBytes = 0;
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new SafeFileError(400, `${name}:${line}: not valid UTF-8`);
    }
    onLine(text, line);
  };
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > limits.maxBytes)
      throw new SafeFileError(413, `${name} grew past the limit for a run file (${limits.maxBytes} bytes)`);
    let start = 0;
    while (start < bytesRead) {
      const nl = buf.indexOf(0x0a, start);
      const end = nl < 0 || nl >= bytesRead ? bytesRead : nl;
      if (partBytes + (end - start) > limits.maxLineBytes)
        throw new SafeFileError(413, `${name}:${line + 1}: a line longer than ${limits.maxLineBytes} bytes`);
      // Copy: buf is reused by the next read.
      if (end > start) parts.push(Buffer.from(buf.subarray(start, end)));
      partBytes += end - start;
      if (end === bytesRead) break;
      emit();
      start = end + 1;
    }
  }
  if (partBytes > 0) emit();
}

/** readSmall reads a whole small file (at most maxBytes, even if it grows while read). */
export async function readSmall(fh: FileHandle, name: string, maxBytes: number): Promise<string> {
  const buf = Buffer.allocUnsafe(maxBytes + 1);
  let n = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
    if (bytesRead === 0) break;
    n += bytesRead;
    if (n > maxBytes) throw new SafeFileError(413, `${name} is larger than ${maxBytes} bytes`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, n));
  } catch {
    throw new SafeFileError(400, `${name}: not valid UTF-8`);
  }
}

/** createExclusive creates a new file (never an existing one, never through a link) and writes `data`. */
export async function createExclusive(path: string, data: string | Buffer): Promise<void> {
  const fh = await openExclusive(path);
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
}

async function openExclusive(path: string): Promise<FileHandle> {
  try {
    return await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new SafeFileError(409, `${path} already exists; exports never overwrite`);
    throw new SafeFileError(400, `cannot create ${path}: ${(e as Error).message}`);
  }
}

/** copyExclusive copies the regular file `from` into a new file `to` (see createExclusive), streaming. */
export async function copyExclusive(from: string, to: string): Promise<void> {
  const src = await openRegular(from, Number.MAX_SAFE_INTEGER);
  if (!src) throw new SafeFileError(404, `${from} is missing`);
  try {
    const dst = await openExclusive(to);
    try {
      const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await src.fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        for (let off = 0; off < bytesRead;) off += (await dst.write(buf, off, bytesRead - off)).bytesWritten;
      }
    } finally {
      await dst.close();
    }
  } finally {
    await src.fh.close();
  }
}
