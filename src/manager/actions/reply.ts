/**
 * The shapes every action answers in, in one place so that each action states only its own
 * words: `Response: Success`/`Error` with Asterisk's message (astman_send_ack/_error), the
 * "required header or `Response: Error`" check every action starts with, and a list action's
 * answer (astman_send_listack, the items as events, then `XxxComplete` with `EventList:
 * Complete` and `ListItems`).
 */
import type { AmiAction, AmiFields, AmiRequest, AmiResponse, AmiSessionView } from '../action.ts';

export const success = (message?: string, fields?: AmiFields): AmiResponse => ({
  response: 'Success',
  ...(message !== undefined ? { message } : {}),
  ...(fields ? { fields } : {}),
});

export const failure = (message: string): AmiResponse => ({ response: 'Error', message });

/** A header an action cannot run without, and Asterisk's error message when it is absent or empty. */
export type RequiredHeader = readonly [name: string, missing: string];

/**
 * How a required header is read: `as-sent` (what the client sent, empty is missing; the core
 * actions) or `trimmed` (blank is missing and the value comes trimmed; the call actions).
 */
export type HeaderReading = 'as-sent' | 'trimmed';

type Run<D> = AmiAction<D>['run'];

/**
 * An action's `run` that first reads its required headers in order and answers the first one
 * missing with its error; `run` gets their values in the same order.
 */
export function withHeaders<D, const H extends readonly RequiredHeader[]>(
  headers: H,
  run: (values: { -readonly [K in keyof H]: string }, request: AmiRequest, session: AmiSessionView, deps: D) => AmiResponse | Promise<AmiResponse>,
  reading: HeaderReading = 'as-sent',
): Run<D> {
  return (request, session, deps) => {
    const values: string[] = [];
    for (const [name, missing] of headers) {
      const raw = request.get(name);
      const value = reading === 'trimmed' ? (raw?.trim() ?? '') : (raw ?? '');
      if (value === '') return failure(missing);
      values.push(value);
    }
    return run(values as { -readonly [K in keyof H]: string }, request, session, deps);
  };
}

/**
 * A list action's answer: `Response: Success` with `EventList: start`, an `event` per item, then
 * `complete` with `EventList: Complete`, `ListItems` and any `completeFields` after them.
 */
export function listResponse(message: string, event: string, items: readonly AmiFields[], complete: string, completeFields: AmiFields = []): AmiResponse {
  return {
    response: 'Success',
    message,
    fields: [['EventList', 'start']],
    events: [
      ...items.map((fields) => ({ event, fields })),
      { event: complete, fields: [['EventList', 'Complete'], ['ListItems', String(items.length)], ...completeFields] },
    ],
  };
}
