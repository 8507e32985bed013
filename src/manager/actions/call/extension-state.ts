/**
 * ExtensionState (Asterisk's action_extensionstate): the state of an extension from its
 * devices: the `hint =>` line (`SIP/2000&SIP/2001`), else the devices the extension Dials
 * (our addition, so the demo phones answer without hints). Devices are combined as
 * ast_devstate_aggregate does and mapped to an extension state: -1 no hint, 0 idle, 1 in use,
 * 2 busy, 4 unavailable, 8 ringing, 9 in use and ringing, 16 on hold.
 */
import type { AmiAction } from '../../action.ts';
import { success, withHeaders } from '../reply.ts';
import type { CallActionDeps, DeviceState } from './types.ts';

export const EXTENSION_STATE_TEXT: Readonly<Record<number, string>> = {
  0: 'Idle',
  1: 'InUse',
  2: 'Busy',
  4: 'Unavailable',
  8: 'Ringing',
  9: 'InUse&Ringing',
  16: 'Hold',
  17: 'InUse&Hold',
};

/** Several devices' states as one (ringing and in use first, then busy, hold, idle, unavailable). */
export function aggregateDeviceStates(states: readonly DeviceState[]): DeviceState {
  const has = (s: DeviceState): boolean => states.includes(s);
  const inUse = has('INUSE') || has('RINGINUSE');
  const ringing = has('RINGING') || has('RINGINUSE');
  if (inUse && ringing) return 'RINGINUSE';
  if (ringing) return 'RINGING';
  if (inUse) return 'INUSE';
  if (has('BUSY')) return 'BUSY';
  if (has('ONHOLD')) return 'ONHOLD';
  if (has('NOT_INUSE') || has('UNKNOWN')) return 'NOT_INUSE';
  return 'UNAVAILABLE';
}

/** Asterisk's ast_devstate_to_extenstate. */
export function extensionStateOf(device: DeviceState): number {
  switch (device) {
    case 'ONHOLD':
      return 16;
    case 'BUSY':
      return 2;
    case 'UNAVAILABLE':
    case 'INVALID':
      return 4;
    case 'RINGINUSE':
      return 9;
    case 'RINGING':
      return 8;
    case 'INUSE':
      return 1;
    default:
      return 0;
  }
}

/** The extension state of `hint` (devices joined by `&`), -1 without one. */
export function hintState(hint: string | undefined, deviceState: (device: string) => DeviceState): number {
  const devices = (hint ?? '').split('&').map((d) => d.trim()).filter((d) => d !== '');
  if (devices.length === 0) return -1;
  return extensionStateOf(aggregateDeviceStates(devices.map(deviceState)));
}

export const extensionStateAction: AmiAction<CallActionDeps> = {
  name: 'ExtensionState',
  privilege: 'call',
  synopsis: 'Check Extension Status',
  run: withHeaders(
    [['Exten', 'Extension not specified']],
    ([exten], request, _session, deps) => {
      const context = request.get('Context')?.trim() || 'default';
      const hint = deps.hint(context, exten);
      const status = hintState(hint, (d) => deps.deviceState(d));
      return success('Extension Status', [
        ['Exten', exten],
        ['Context', context],
        ['Hint', hint ?? ''],
        ['Status', String(status)],
        ['StatusText', EXTENSION_STATE_TEXT[status] ?? 'Unknown'],
      ]);
    },
    'trimmed',
  ),
};
