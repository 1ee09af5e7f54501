import type { HeaderMap } from "./headers.js";

export type MsgState = "CREATED" | "ACTIVE" | "RETRY" | "ERROR" | "DELIVERED" | "FAILED" | "CANCEL_REQUESTED" | "CANCELED";

export const FINAL_STATES = new Set<MsgState>(["DELIVERED", "FAILED", "CANCELED"]);

export interface CallbackConfig {
  url: string;
  method?: string;
  header: HeaderMap;
  retries?: number;
  retryDelay?: string;
  timeoutMs?: number;
}

export interface FlowControlSpec {
  key: string;
  parallelism?: number;
  rate?: number;
  periodS?: number;
}

export interface Redact {
  body?: boolean;
  allHeaders?: boolean;
  headers?: string[];
}

/** The persisted, client-visible definition of a message (everything except runtime bookkeeping). */
export interface MsgData {
  id: string;
  url: string;
  method: string;
  header: HeaderMap;
  body: Buffer;
  createdAt: number;
  notBefore: number;
  maxRetries: number;
  retried: number;
  retryDelay?: string;
  timeoutMs?: number;
  callback?: CallbackConfig;
  failureCallback?: CallbackConfig;
  queueName?: string;
  scheduleId?: string;
  topicName?: string;
  endpointName?: string;
  callerIP: string;
  flowControl?: FlowControlSpec;
  labels?: string[];
  redact?: Redact;
  /** Which signing-key set signs deliveries (per dev user). */
  user: number;
  kind?: "callback" | "failureCallback";
  parentId?: string;
  /** Internal due time (already time-scaled), used when re-arming after a restart. */
  dueAt: number;
}

export interface LastResponse {
  status: number;
  header: HeaderMap;
  body: Buffer;
  error?: string;
}

export interface Msg extends MsgData {
  state: MsgState;
  /** Bumped whenever a pending timer entry for this message becomes stale. */
  gen: number;
  holdsQueueSlot: boolean;
  pendingCallbacks: number;
  cancelRequested: boolean;
  lastResponse?: LastResponse;
  nextDeliveryTime?: number;
  finishedAt?: number;
  bodyHash?: string;
  target?: { protocol: string; hostname: string; port: string; path: string; host: string };
  /** Runtime link from a callback message to its source; keeps queue slots until callbacks finish. */
  parent?: Msg;
}

export interface DlqEntry {
  dlqId: string;
  msg: MsgData;
  failedAt: number;
  responseStatus: number;
  responseHeader: HeaderMap;
  responseBody: Buffer;
  error?: string;
}

export interface ScheduleData {
  scheduleId: string;
  cron: string;
  createdAt: number;
  destination: string;
  method: string;
  header: HeaderMap;
  body: Buffer;
  retries: number;
  delayS: number;
  retryDelay?: string;
  timeoutMs?: number;
  callback?: CallbackConfig;
  failureCallback?: CallbackConfig;
  callerIP: string;
  isPaused: boolean;
  queueName?: string;
  flowControl?: FlowControlSpec;
  labels?: string[];
  redact?: Redact;
  user: number;
  lastScheduleTime?: number;
  dedupKey?: string;
}

export interface QueueData {
  name: string;
  createdAt: number;
  updatedAt: number;
  parallelism: number;
  paused: boolean;
}

export interface TopicData {
  name: string;
  createdAt: number;
  updatedAt: number;
  endpoints: { name?: string; url: string }[];
}

export interface LogEvent {
  seq: number;
  time: number;
  state: MsgState;
  msg: Msg;
  retried: number;
  error?: string;
  nextDeliveryTime?: number;
  responseStatus?: number;
  responseHeader?: HeaderMap;
  responseBody?: Buffer;
}

export class HttpError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
  }
}

export const NAME_RE = /^[A-Za-z0-9._-]+$/;
