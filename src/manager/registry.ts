/**
 * The manager's action table: each action with the deps it was registered with, looked up by
 * name case-insensitively (Asterisk matches `action: ping` as `Ping`). Groups of actions are
 * added by whoever owns their deps (the core actions, the call actions), so the session code
 * never knows what a given action needs from the PBX.
 */
import type { AmiAction, AmiRequest, AmiResponse, AmiSessionView, AmiClass } from './action.ts';

export interface RegisteredAction {
  readonly name: string;
  readonly privilege: AmiClass | undefined;
  readonly synopsis: string;
  run(request: AmiRequest, session: AmiSessionView): AmiResponse | Promise<AmiResponse>;
}

export class ActionRegistry {
  private readonly byName = new Map<string, RegisteredAction>();

  /** Adds actions bound to their deps; a later action of the same name replaces the earlier. */
  add<D>(actions: readonly AmiAction<D>[], deps: D): void {
    for (const a of actions) {
      this.byName.set(a.name.toLowerCase(), {
        name: a.name,
        privilege: a.privilege,
        synopsis: a.synopsis,
        run: (request, session) => a.run(request, session, deps),
      });
    }
  }

  get(name: string): RegisteredAction | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Every action, sorted by name (ListCommands). */
  list(): RegisteredAction[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
