// The record one benchmark run produces (one JSON line with --json).
import type { LatencySummary } from './percentiles.js';
import type { Verification } from './verify.js';

/** Connection scenario numbers. */
export interface ConnsResult {
  count: number;
  /** Handshakes completed per second. */
  connectRate: number;
  rssBeforeKb: number | null;
  rssAfterKb: number | null;
  /** Broker memory growth per connection, bytes; null without a broker pid. */
  bytesPerConn: number | null;
}

/** Retained scenario numbers. */
export interface RetainedResult {
  count: number;
  /** Seconds to publish every retained message (all acknowledged). */
  publishS: number;
  /** Seconds from SUBSCRIBE until the new subscriber had all of them. */
  receiveS: number;
  /** Retained messages received per second. */
  receiveRate: number;
}

/** One run's result. */
export interface BenchResult {
  name: string;
  scenario: string;
  label: string;
  round: number;
  mqtt: number;
  qos: number;
  size: number;
  pubs: number;
  subs: number;
  workers: number;
  /** Measurement window actually used, seconds. */
  windowS: number;
  /** Messages published during the window. */
  published: number;
  /** Messages delivered to subscribers during the window. */
  delivered: number;
  pubRate: number;
  delRate: number;
  latency: LatencySummary | null;
  conns: ConnsResult | null;
  retained: RetainedResult | null;
  verification: Verification;
  verdict: string;
  /** Cores the generator used (all threads) during the measurement. */
  genCpu: number;
  /** Cores the generator may use. */
  genCores: number;
  /** Cores the broker used during the measurement, null without a pid. */
  brokerCpu: number | null;
}
