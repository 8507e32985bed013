/** The dialog layer (RFC 3261 12-15): dialogs, INVITE sessions for both roles, and their routing. */
export { Dialog, dialogKey, contactTarget, TARGET_REFRESH } from './dialog.ts';
export type { DialogState, DialogPhase, InDialogRequestOptions } from './dialog.ts';
export { DialogTable } from './dialog-table.ts';
export type { DialogEntry, ResponseMatch } from './dialog-table.ts';
export { AnswerRetransmission, AnswerRetransmissionState } from './answer-retransmission.ts';
export { InviteSession, SessionState, sdpOf } from './session.ts';
export { InviteServerSession } from './invite-server-session.ts';
export type { AcceptOptions } from './invite-server-session.ts';
export { InviteClientSession } from './invite-client-session.ts';
export type { InviteOptions } from './invite-client-session.ts';
export { DialogLayer, DIALOG_ALLOW, uriEndpoint } from './dialog-layer.ts';
export type { DialogStats } from './dialog-layer.ts';
export type * from './types.ts';
