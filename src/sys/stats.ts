// Broker counters: plain numeric fields so the hot path increments without lookups.

/** Counters and gauges of one broker; read by $SYS, metrics and the management API. */
export class BrokerStats {
  readonly startedAt = Date.now();
  clientsConnected = 0;
  clientsMaximum = 0;
  clientsTotal = 0;
  clientsDisconnected = 0;
  connectionsRefused = 0;
  messagesReceived = 0;
  messagesSent = 0;
  messagesDropped = 0;
  publishReceived = 0;
  publishSent = 0;
  bytesReceived = 0;
  bytesSent = 0;
  packetsReceived = 0;
  packetsSent = 0;
  retainedMessages = 0;
  subscriptions = 0;
  inflight = 0;
  sessions = 0;

  /** A snapshot as a plain object. */
  snapshot(): Record<string, number> {
    return {
      uptime: Math.floor((Date.now() - this.startedAt) / 1000),
      clientsConnected: this.clientsConnected,
      clientsMaximum: this.clientsMaximum,
      clientsTotal: this.clientsTotal,
      clientsDisconnected: this.clientsDisconnected,
      connectionsRefused: this.connectionsRefused,
      messagesReceived: this.messagesReceived,
      messagesSent: this.messagesSent,
      messagesDropped: this.messagesDropped,
      publishReceived: this.publishReceived,
      publishSent: this.publishSent,
      bytesReceived: this.bytesReceived,
      bytesSent: this.bytesSent,
      packetsReceived: this.packetsReceived,
      packetsSent: this.packetsSent,
      retainedMessages: this.retainedMessages,
      subscriptions: this.subscriptions,
      inflight: this.inflight,
      sessions: this.sessions,
    };
  }
}
