/**
 * Redirect (Asterisk's action_redirect): send a live channel (and optionally `ExtraChannel`
 * with it, e.g. both parties of a call) to another place in the dialplan. A bridged channel's
 * bridge is released first, as a blind transfer does, so its partner is left to its own
 * dialplan unless it is the extra channel.
 */
import type { AmiAction, AmiRequest } from '../../action.ts';
import { failure, success, withHeaders } from '../reply.ts';
import type { CallActionDeps } from './types.ts';
import { parsePriority } from './parse.ts';

type Place = { context: string; exten: string; priority: number };

export const redirectAction: AmiAction<CallActionDeps> = {
  name: 'Redirect',
  privilege: 'call',
  synopsis: 'Redirect (transfer) a call',
  run: withHeaders(
    [['Channel', 'Channel not specified']],
    ([name], request, _session, deps) => {
      const main = place(request, '', deps);
      if (typeof main === 'string') return failure(main);
      const ch = deps.channel(name);
      if (!ch) return failure(`Channel does not exist: ${name}`);
      if (!deps.exists(main.context, main.exten, ch.callerNumber)) return failure('Extension does not exist.');
      const extraName = request.get('ExtraChannel')?.trim() ?? '';
      if (extraName === '') return deps.redirect(name, main) ? success('Redirect successful') : failure('Redirect failed');
      const extraPlace = place(request, 'Extra', deps, main);
      if (typeof extraPlace === 'string') return failure(extraPlace);
      if (!deps.channel(extraName)) return failure(`ExtraChannel does not exist: ${extraName}`);
      return deps.redirect(name, main, { name: extraName, to: extraPlace }) ? success('Dual Redirect successful') : failure('Secondary redirect failed');
    },
    'trimmed',
  ),
};

/** The place named by `<prefix>Exten`/`Context`/`Priority`; Extra* default to the main place's parts. */
function place(request: AmiRequest, prefix: '' | 'Extra', deps: CallActionDeps, fallback?: Place): Place | string {
  const exten = request.get(`${prefix}Exten`)?.trim() || fallback?.exten || '';
  const context = request.get(`${prefix}Context`)?.trim() || fallback?.context || '';
  if (exten === '') return `${prefix}Exten not specified`;
  if (context === '') return `${prefix}Context not specified`;
  const text = request.get(`${prefix}Priority`) ?? (fallback ? String(fallback.priority) : undefined);
  const priority = parsePriority(text, (label) => deps.findLabel(context, exten, label));
  if (priority === undefined) return prefix === '' ? 'Invalid priority' : 'Invalid ExtraPriority';
  return { context, exten, priority };
}
