import { NotReadyError } from './errors.js';

/** A value that becomes available after startup work (model load, index load). */
export class Ready<T> {
  private value: T | undefined;

  static of<T>(value: T): Ready<T> {
    const r = new Ready<T>();
    r.set(value);
    return r;
  }

  set(value: T): void {
    this.value = value;
  }

  get isReady(): boolean {
    return this.value !== undefined;
  }

  /** The value, or a 503 NotReadyError while startup is still running. */
  get(): T {
    if (this.value === undefined) throw new NotReadyError();
    return this.value;
  }
}
