/** RAND([min][,max]): a random integer, min and max included (defaults 0 and 2147483647). */
import type { DialplanFunction } from '../types.ts';
import { scanInt, splitArgs } from '../expr/args.ts';

const RAND_MAX = 2147483647;

export const RAND: DialplanFunction = {
  name: 'RAND',
  synopsis: 'Returns a random integer between min and max, both included.',
  syntax: 'RAND([min][,max])',
  description: 'min defaults to 0, max to 2147483647; they are swapped when max < min.',
  read(args) {
    const [a = '', b = ''] = splitArgs(args, { max: 2 });
    let min = scanInt(a) ?? 0;
    let max = scanInt(b) ?? RAND_MAX;
    if (max < min) [min, max] = [max, min];
    return String(min + Math.floor(Math.random() * (max - min + 1)));
  },
};
