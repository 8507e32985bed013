/**
 * The registrar's data: plain records (CONVENTIONS: state that must survive is plain data).
 * A Binding is a RegistrationRecord (src/store) whose endpoints are real transport endpoints.
 */
import type { RegistrationRecord } from '../../store/registration-store.ts';
import type { Endpoint, TransportProtocol } from '../transport/types.ts';

/** One Contact bound to an AOR (RFC 3261 section 10.3). */
export interface Binding extends RegistrationRecord {
  reach: Endpoint;
  source: Endpoint;
}

/** The sip.conf view of a peer that the registrar needs. */
export interface RegistrarPeer {
  name: string;
  secret?: string;
  /** MD5(name:realm:secret), Asterisk's md5secret. */
  md5secret?: string;
  /** nat=yes: reach the phone at the address its REGISTER came from, not at its Contact. */
  nat: boolean;
  /** host=dynamic: only such peers may register. */
  dynamic: boolean;
  qualify: boolean | number;
  /** An authentication username accepted for this peer besides its name. */
  defaultuser?: string;
}

export type RegistrationEventKind = 'registered' | 'refreshed' | 'unregistered' | 'expired';

export interface RegistrationEvent {
  kind: RegistrationEventKind;
  binding: Binding;
}

export interface RegistrarOptions {
  /** Shortest interval accepted; shorter non-zero requests get 423 (default 60 s). */
  minExpires: number;
  /** Longer requests are shortened to this (default 3600 s). */
  maxExpires: number;
  /** When the REGISTER states no expiry (default 3600 s). */
  defaultExpires: number;
  realm: string;
  /** Bindings kept per AOR; the least recently refreshed goes first (default 10). */
  maxContactsPerAor?: number;
}

export type RegistrarLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

const PROTOCOLS: readonly TransportProtocol[] = ['UDP', 'TCP', 'TLS', 'LOOP'];

export function isTransportProtocol(p: string): p is TransportProtocol {
  return (PROTOCOLS as readonly string[]).includes(p);
}

/** A copy that the caller may keep or change without touching the registrar's state. */
export function copyBinding(b: Binding): Binding {
  return { ...b, reach: { ...b.reach }, source: { ...b.source } };
}
