"""A FastAGI server written with panoramisk (Debian python3-panoramisk), for the AGI tests.

Usage: fastagi-server.py PORT LOGFILE. Route `getdata`: ANSWER, GET DATA beep 10000 4, then the
digits go back to the dialplan in FASTDIGITS and into LOGFILE (one `key=value` per line, with the
headers it was sent). Prints `ready` once listening.
"""
import asyncio
import sys

from panoramisk.fast_agi import Application

PORT = int(sys.argv[1])
LOG = sys.argv[2]


def log(line):
    with open(LOG, 'a') as f:
        f.write(line + '\n')


async def getdata(request):
    for k, v in request.headers.items():
        log('%s=%s' % (k, v))
    await request.send_command('ANSWER')
    r = await request.send_command('GET DATA beep 10000 4')
    digits = r.get('result', ('', ''))[0]
    log('getdata=%s' % digits)
    s = await request.send_command('SET VARIABLE FASTDIGITS %s' % digits)
    log('setvar=%s' % s.get('result', ('', ''))[0])


async def main():
    app = Application(loop=asyncio.get_running_loop())
    app.add_route('getdata', getdata)
    server = await asyncio.start_server(app.handler, '127.0.0.1', PORT)
    print('ready', flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
