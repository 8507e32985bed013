/** MD5 and SHA1 of a string, as lowercase hex. */
import type { DialplanFunction } from '../types.ts';
import { md5Hex, sha1Hex } from '../../platform/crypto.ts';
import { fail } from './util.ts';

export const MD5: DialplanFunction = {
  name: 'MD5',
  synopsis: 'Computes an MD5 digest.',
  syntax: 'MD5(data)',
  description: 'Returns the MD5 digest of data as 32 lowercase hex digits.',
  read(args) {
    if (args === '') fail('Syntax: MD5(<data>) - missing argument!');
    return md5Hex(args);
  },
};

export const SHA1: DialplanFunction = {
  name: 'SHA1',
  synopsis: 'Computes a SHA1 digest.',
  syntax: 'SHA1(data)',
  description: 'Returns the SHA1 digest of data as 40 lowercase hex digits.',
  read(args) {
    if (args === '') fail('Syntax: SHA1(<data>) - missing argument!');
    return sha1Hex(args);
  },
};
