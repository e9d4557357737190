import { closeSync, fdatasync, openSync } from "node:fs";

/**
 * Group commit for a SQLite file in WAL mode whose own commits are not fsynced (`synchronous = NORMAL`):
 * a commit is appended to the `-wal` file in the page cache (~10 µs, enough to survive a killed process),
 * then {@link GroupCommit.durable} resolves once an `fdatasync` of that file, started after the commit,
 * has finished (enough to survive a power loss, like `synchronous = FULL`).
 *
 * Why: with `FULL`, SQLite fsyncs inside every commit, on the event loop — 0.3 ms on an idle disk,
 * 2–10 ms on a busy one, during which no request is parsed and no result sent. Here the fsync runs on
 * libuv's thread pool, and every commit made while one is in flight shares the next one: under load one
 * fsync covers many executions instead of three per execution.
 *
 * Correctness rests on two facts: fsync of any descriptor of a file flushes all of its pages (the fd
 * SQLite wrote through need not be ours), and SQLite keeps the same `-wal` file (inode) while a
 * connection is open — it is only deleted when the last connection closes, after a checkpoint, and is
 * rewritten in place (never replaced) when it restarts. Checkpoints themselves fsync the WAL and the
 * database under `NORMAL`, so nothing older than the WAL can be lost either.
 */
export class GroupCommit {
  #fd: number | null;
  /** The fsync in flight; covers every commit made before it started. */
  #current: Promise<void> | null = null;
  /** Commits made while `#current` was in flight wait for the one after it. */
  #next: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | null =
    null;
  /**
   * After a failed fsync, Linux may drop the dirty pages and report the next fsync as a success: nothing
   * written since can be trusted durable, so every later wait fails with the first error (restart to recover).
   */
  #failed: unknown = null;
  #syncs = 0;
  /** A commit was made since the last fsync started (so no fsync covers it yet). */
  #unsynced = false;

  /** `walPath`: the database's `-wal` file, which must exist (it does once the database was opened in WAL mode and read or written). */
  constructor(walPath: string) {
    this.#fd = openSync(walPath, "r");
  }

  /** fsyncs started so far: under load far fewer than the commits they covered. */
  get syncs(): number {
    return this.#syncs;
  }

  /**
   * Call after a commit: resolves once that commit is on stable storage, i.e. once an fsync that started
   * after it has finished. Rejects when that fsync failed, and from then on (see above).
   */
  durable(): Promise<void> {
    this.#unsynced = true;
    if (this.#failed !== null) return Promise.reject(this.#failed);
    if (this.#fd === null) return Promise.reject(new Error("the audit database is closed"));
    if (this.#current === null) return (this.#current = this.#sync());
    if (this.#next === null) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.#next = { promise, resolve, reject };
    }
    return this.#next.promise;
  }

  /** Records a commit nobody waits for; the next fsync (or {@link synced}) covers it. */
  committed(): void {
    this.#unsynced = true;
  }

  /**
   * Resolves once every commit made so far is durable, without an fsync when one already covers them.
   * Readers call it first, so nothing shows a row that a power cut could still take back.
   */
  synced(): Promise<void> {
    if (this.#unsynced) return this.durable();
    return this.#current ?? Promise.resolve();
  }

  #sync(): Promise<void> {
    const fd = this.#fd;
    this.#syncs++;
    this.#unsynced = false;
    return new Promise<void>((resolve, reject) => {
      if (fd === null) return reject(new Error("the audit database is closed"));
      fdatasync(fd, (err) => {
        if (err && this.#failed === null) this.#failed = err;
        this.#current = null;
        const next = this.#next;
        this.#next = null;
        if (next) this.durable().then(next.resolve, next.reject);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** Waits for pending fsyncs, then closes the descriptor (call before closing the database). */
  async close(): Promise<void> {
    while (this.#current !== null) await this.#current.catch(() => undefined);
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
