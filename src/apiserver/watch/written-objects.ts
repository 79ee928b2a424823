import type { KObject } from "../../apimachinery/meta.ts";

/**
 * Objects the registry is writing, by their stored text, so that the watch cache takes the object
 * the registry already has instead of decoding the text again. Entries live from just before a
 * write until its event is taken or the write settles; writes by other API servers are decoded.
 */
export class WrittenObjects {
  private readonly byText = new Map<string, KObject>();

  remember(text: string, obj: KObject): void {
    this.byText.set(text, obj);
  }

  /** The write has settled; if its event was not taken (it failed), let the entry go. */
  forget(text: string): void {
    this.byText.delete(text);
  }

  take(text: string): KObject | undefined {
    const obj = this.byText.get(text);
    if (obj) this.byText.delete(text);
    return obj;
  }
}
