// The WebSocket endpoint's limits; defaults are the documented behaviour.
export interface LiveConfig {
  /** A ping this often; a socket that has not answered the previous one is closed. */
  pingIntervalMs: number;
  /** A client whose unsent data passes this is too slow: closed with 1013. */
  maxBufferedBytes: number;
  /** Streams one socket may follow at once. */
  maxSubscriptions: number;
  /** Largest frame a client may send (larger: closed with 1009). */
  maxFrameBytes: number;
  /** How long a closing socket may take to say goodbye before it is cut. */
  closeGraceMs: number;
}

export const LIVE_DEFAULTS: LiveConfig = {
  pingIntervalMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  maxSubscriptions: 50,
  maxFrameBytes: 64 * 1024,
  closeGraceMs: 5_000,
};
