/**
 * Where an import reads a file's content from: bytes already in memory, or the file itself, read again in pieces.
 *
 * Reading from the file is what keeps a large webrtc-internals import small: the whole content is read once for
 * detection and the structural scan (internals-split.ts), then let go, and each peer connection's bytes are read
 * again when the importer reaches it. Holding the whole file through the import cost as much memory as the file
 * (a 98 MB dump's import peaked near 2.9× the file's size, about 2.1× without it; measured in Chromium's worker).
 */

export interface DumpSource {
  /** The content's size in bytes. */
  readonly size: number;
  /** The whole content. From a file it is read again at each call: nothing here keeps it. */
  readAll(): Uint8Array;
  /**
   * Bytes [start, end) of the content, read from the file (absent for bytes in memory: a reader takes
   * `subarray`s of the whole content instead).
   */
  readonly readRange?: (start: number, end: number) => Uint8Array;
}

/** Content already in memory. */
export function bytesSource(bytes: Uint8Array): DumpSource {
  return { size: bytes.length, readAll: () => bytes };
}

/** The part of `FileReaderSync` (dedicated workers only) a file source uses. */
export interface SyncBlobReader {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}

/** The worker's `FileReaderSync`, or null where there is none (a window, Node). */
export function syncBlobReader(): SyncBlobReader | null {
  const Reader = (globalThis as { FileReaderSync?: new () => SyncBlobReader }).FileReaderSync;
  return typeof Reader === 'function' ? new Reader() : null;
}

/**
 * A file read synchronously, whole or in ranges. A file changed on disk since it was picked fails to read
 * (NotReadableError in Chromium and Firefox): the import then fails with that error, it does not mix contents.
 */
export function fileSource(file: Blob, reader: SyncBlobReader): DumpSource {
  const read = (blob: Blob, expected: number) => {
    const bytes = new Uint8Array(reader.readAsArrayBuffer(blob));
    // A shorter read means the file changed under us (a reader must not parse a cut piece as the whole).
    if (bytes.length !== expected) throw new Error(`the file changed while it was read (${bytes.length} bytes where ${expected} were expected)`);
    return bytes;
  };
  return {
    size: file.size,
    readAll: () => read(file, file.size),
    readRange: (start, end) => read(file.slice(start, end), end - start),
  };
}
