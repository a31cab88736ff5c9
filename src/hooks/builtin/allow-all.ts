// The open door: every client may connect and every topic may be used.
import type { Decision, Hook } from '../hook.js';

/** A hook that allows every connection and every publish, subscribe and read; for development and trusted networks. */
export class AllowAll implements Hook {
  readonly id: string;

  constructor(id = 'allow-all') {
    this.id = id;
  }

  /** Allows every CONNECT. */
  authenticate(): Decision {
    return 'allow';
  }

  /** Allows every topic access. */
  checkAcl(): Decision {
    return 'allow';
  }
}
