/** A certificate, its key and the CA it is checked against, as Node's TLS options take them. */
export interface TlsCredentials {
  cert: string;
  key: string;
  ca: string;
}

/**
 * Credentials that are replaced while in use (certificate rotation): holders read `current` when
 * they connect and re-read it when told of a change, so nothing restarts.
 */
export class RotatingTls {
  private value: TlsCredentials;
  private readonly listeners: Array<(next: TlsCredentials) => void> = [];

  constructor(initial: TlsCredentials) {
    this.value = initial;
  }

  get current(): TlsCredentials {
    return this.value;
  }

  set(next: TlsCredentials): void {
    if (next.cert === this.value.cert && next.key === this.value.key && next.ca === this.value.ca) return;
    this.value = next;
    for (const l of this.listeners) l(next);
  }

  onChange(listener: (next: TlsCredentials) => void): void {
    this.listeners.push(listener);
  }
}
