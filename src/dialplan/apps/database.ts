/**
 * AstDB applications: DBdel, DBdeltree (deprecated in 1.6 for DB_DELETE()/database deltree but
 * still written in old dialplans), LookupCIDName (caller name from family `cidname`) and
 * LookupBlacklist (family `blacklist`, keyed by number or name; the 1.4 n+101 jump when found).
 */
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';
import { splitFirst } from './parse.ts';

const NEXT: AppResult = { kind: 'next' };

/** The old priority jump: n+101 when it exists in the current extension, else the next priority. */
export function jumpPlus101(ctx: AppContext): AppResult {
  const ch = ctx.channel;
  const target = ch.priority + 101;
  if (ctx.lookup.find(ch.context, ch.exten, target, ch.callerId.number, new Date(ctx.now()))) return { kind: 'goto', priority: target };
  return NEXT;
}

export function databaseApplications(deps: ApplicationDeps): DialplanApplication[] {
  return [
    {
      name: 'DBdel',
      synopsis: 'Delete a key from the database',
      syntax: 'DBdel(family/key)',
      description: 'This application will delete a key from the Asterisk database. Deprecated in Asterisk 1.6: use Set(DB_DELETE(family/key)).',
      async run(ctx) {
        const [family, key] = splitFirst(ctx.rawArgs.trim(), '/');
        if (key === undefined || family === '' || key === '') {
          ctx.log('warning', 'Ignoring; Syntax error in argument');
          return NEXT;
        }
        ctx.log('verbose', `DBdel: family=${family}, key=${key}`);
        if (!deps.db.del(family, key)) ctx.log('verbose', 'DBdel: Error deleting key from database.');
        return NEXT;
      },
    },
    {
      name: 'DBdeltree',
      synopsis: 'Delete a family or keytree from the database',
      syntax: 'DBdeltree(family[/keytree])',
      description: 'This application will delete a family or keytree from the Asterisk database.',
      async run(ctx) {
        const [family, keyTree] = splitFirst(ctx.rawArgs.trim(), '/');
        if (family === '') {
          ctx.log('warning', 'DBdeltree requires an argument (family/keytree)');
          return NEXT;
        }
        ctx.log('verbose', keyTree ? `DBdeltree: family=${family}, keytree=${keyTree}` : `DBdeltree: family=${family}`);
        if (deps.db.delTree(family, keyTree || undefined) === 0) ctx.log('verbose', 'DBdeltree: Error deleting key from database.');
        return NEXT;
      },
    },
    {
      name: 'LookupCIDName',
      synopsis: 'Look up CallerID Name from local database',
      syntax: 'LookupCIDName()',
      description: 'Looks up the Caller*ID number on the active channel in the Asterisk database (family cidname) and sets the Caller*ID name. Does nothing if no Caller*ID was received on the channel. Deprecated in Asterisk 1.6: use Set(CALLERID(name)=${DB(cidname/${CALLERID(num)})}).',
      async run(ctx) {
        const num = ctx.channel.callerId.number;
        if (!num) return NEXT;
        const name = deps.db.get('cidname', num);
        if (name !== undefined) ctx.channel.callerId = { ...ctx.channel.callerId, name };
        return NEXT;
      },
    },
    {
      name: 'LookupBlacklist',
      synopsis: 'Look up Caller*ID name/number from blacklist database',
      syntax: 'LookupBlacklist([options])',
      description:
        'Looks up the Caller*ID number on the active channel in the Asterisk database (family blacklist); the Caller*ID name is looked up too. Sets LOOKUPBLSTATUS to FOUND or NOTFOUND. As in Asterisk 1.4, when found and priority n+101 exists, the channel jumps there. Deprecated in Asterisk 1.6: use ${BLACKLIST()}.',
      async run(ctx) {
        const { number, name } = ctx.channel.callerId;
        let found = false;
        if (number && deps.db.get('blacklist', number) !== undefined) {
          ctx.log('verbose', `Blacklisted number ${number} found`);
          found = true;
        }
        if (name && deps.db.get('blacklist', name) !== undefined) {
          ctx.log('verbose', `Blacklisted name "${name}" found`);
          found = true;
        }
        ctx.channel.variables.set('LOOKUPBLSTATUS', found ? 'FOUND' : 'NOTFOUND');
        return found ? jumpPlus101(ctx) : NEXT;
      },
    },
  ];
}
