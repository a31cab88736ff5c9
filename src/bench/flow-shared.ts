// Shared-memory layout between the flow coordinator and its worker threads.
import type { RunConfig } from './config.js';
import type { Verification } from './verify.js';

/** Phases stored in control[PHASE]. */
export const Phase = { SETUP: 0, RUN: 1, STOP: 2 } as const;
/** Index of the phase word in the control array. */
export const PHASE = 0;
/** Index of the "measurement window open" word (latency samples are kept only then). */
export const MEASURING = 1;

/** Index of worker w's wake counter in the control array; the waiting flag follows it. */
export function wakeSlot(w: number): number {
  return 2 + 2 * w;
}

/** Size in Int32 words of the control array for W workers. */
export function controlWords(workers: number): number {
  return 2 + 2 * workers;
}

/** Views over the counters: published and in flight per publisher, delivered per (worker, publisher). */
export interface FlowCounters {
  published: Float64Array;
  inflight: Float64Array;
  /** Row w holds what worker w's subscribers received from each publisher. */
  delivered: Float64Array;
}

/** Creates the counter views over one SharedArrayBuffer (each slot has exactly one writer). */
export function createCounters(buf: SharedArrayBuffer, pubs: number, workers: number): FlowCounters {
  return {
    published: new Float64Array(buf, 0, pubs),
    inflight: new Float64Array(buf, pubs * 8, pubs),
    delivered: new Float64Array(buf, pubs * 16, pubs * workers),
  };
}

/** Bytes of the counters buffer. */
export function countersBytes(pubs: number, workers: number): number {
  return pubs * 8 * (2 + workers);
}

/** Topic a publisher sends on: one shared topic for fan-in/fan-out, one per pair otherwise. */
export function topicOf(c: RunConfig, pub: number): string {
  return c.scenario === 'fanin' || c.scenario === 'fanout' ? `${c.prefix}/t` : `${c.prefix}/p/${pub}`;
}

/** Publishers subscriber `sub` must hear from. */
export function sourcesOf(c: RunConfig, sub: number): number[] {
  if (c.scenario === 'fanin') return Array.from({ length: c.pubs }, (_, i) => i);
  if (c.scenario === 'fanout') return [0];
  return [sub];
}

/** How many subscribers receive each message of a publisher. */
export function fanOf(c: RunConfig): number {
  return c.scenario === 'fanout' ? c.subs : 1;
}

/** What the coordinator hands each worker. */
export interface FlowWorkerData {
  config: RunConfig;
  index: number;
  pubs: number[];
  subs: number[];
  runId: string;
  counters: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

/** Messages from a worker to the coordinator. */
export type FlowWorkerMessage =
  | { type: 'ready' }
  | { type: 'error'; message: string }
  | { type: 'done'; verification: Verification; latencyNs: Float64Array; writtenOff: number; stalls: number };
