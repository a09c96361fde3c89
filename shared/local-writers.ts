// Stores kept in this process's memory (embedded mode: every service in one process) are only
// trustworthy while a service of the same process writes them: a reader alone in its process
// would read a memory nobody updates. Such stores count their writers with this.

/** The services of this process that write one in-memory store. */
export class LocalWriters {
  private count = 0;

  get attached(): boolean {
    return this.count > 0;
  }

  /** Declares a service of this process that writes; returns how to withdraw it (on stop). */
  attach(): () => void {
    this.count += 1;
    let attached = true;
    return () => {
      if (attached) this.count -= 1;
      attached = false;
    };
  }
}
