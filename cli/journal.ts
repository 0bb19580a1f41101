// The resume journal of `bulk`: JSON lines appended to a file, flushed to disk (fdatasync) before
// a row counts as done. Writes that arrive while a flush is running go out together in the next
// one (group commit), so the cost of syncing is shared by the rows of a batch.
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

interface Waiting {
  line: string;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class Journal {
  /** Ids of rows finished by earlier runs. */
  readonly done = new Set<string>();
  /** Ids of --forbid-overwrite rows an earlier run may have sent (so may have created). */
  readonly started = new Set<string>();
  readonly path: string | undefined;
  #file: FileHandle | undefined;
  #queue: Waiting[] = [];
  #flushing: Promise<void> | undefined;
  #busy = false;

  private constructor(path: string | undefined) {
    this.path = path;
  }

  /** A journal that remembers nothing (--no-journal). */
  static none(): Journal {
    return new Journal(undefined);
  }

  /**
   * Reads what earlier runs recorded in `path` and, unless `write` is false, opens it for
   * appending (creating it, with `header` as its first line).
   */
  static async open(path: string, header: Record<string, unknown>, { write = true } = {}): Promise<Journal> {
    const journal = new Journal(path);
    let existed = false;
    let endsWithNewline = true;
    try {
      const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
      for await (const line of lines) {
        existed = true;
        journal.#read(line);
      }
      // readline hides whether the last line was complete; look at the last byte.
      const file = await open(path, 'r');
      try {
        const { size } = await file.stat();
        if (size > 0) {
          const last = Buffer.alloc(1);
          await file.read(last, 0, 1, size - 1);
          endsWithNewline = last[0] === 0x0a;
        }
      } finally {
        await file.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (!write) return journal;
    journal.#file = await open(path, 'a');
    if (!existed) {
      await journal.#file.appendFile(`${JSON.stringify({ journal: 'oss-symlink bulk', version: 1, ...header })}\n`);
      await journal.#file.datasync();
      await syncDirectory(dirname(path));
    } else if (!endsWithNewline) {
      // A line cut short by a crash: end it, so the next entry starts on a line of its own.
      await journal.#file.appendFile('\n');
    }
    return journal;
  }

  #read(line: string): void {
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      return; // a torn last line: that row was not done
    }
    if (typeof entry !== 'object' || entry === null) return;
    const { done, start } = entry as { done?: unknown; start?: unknown };
    if (typeof done === 'string') this.done.add(done);
    if (typeof start === 'string') this.started.add(start);
  }

  /** Resolves once the row's success is on disk. */
  recordDone(id: string, row: number, link: string): Promise<void> {
    return this.#append({ done: id, row, link });
  }

  /** Resolves once it is on disk that the row is about to be sent. */
  recordStart(id: string, row: number): Promise<void> {
    return this.#append({ start: id, row });
  }

  #append(entry: object): Promise<void> {
    if (!this.#file) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#queue.push({ line: `${JSON.stringify(entry)}\n`, resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        this.#flushing = this.#flush();
      }
    });
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        try {
          await this.#file!.appendFile(batch.map((w) => w.line).join(''));
          await this.#file!.datasync();
          for (const w of batch) w.resolve();
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      // Cleared in the same tick as the last look at the queue: an entry added after it starts a new flush.
      this.#busy = false;
    }
  }

  async close(): Promise<void> {
    await this.#flushing;
    await this.#file?.close();
    this.#file = undefined;
  }
}

/** Makes a newly created file's directory entry durable too. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported everywhere (e.g. Windows); the file's own sync still holds its contents.
  }
}
