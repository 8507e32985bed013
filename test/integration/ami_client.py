"""A panoramisk (python3-panoramisk) manager client the AMI tests drive over stdin/stdout.

Each stdin line is a JSON request, each stdout line the JSON answer:
  {"op": "connect", "host", "port", "user", "secret", "auth": "md5" | "plain"}
      plain: panoramisk's Login action with Secret; md5: Challenge (AuthType MD5), then Login
      with Key = md5(challenge + secret), through panoramisk's send_action.
  {"op": "action", "action": {...}, "as_list": bool}   -> the response (or list of messages)
  {"op": "command", "command": "sip show peers"}       -> panoramisk's send_command
  {"op": "events"}                                     -> every event received so far
  {"op": "close"}
Messages are returned as dicts (repeated headers as lists; a Follows body under "content").
"""
import asyncio
import hashlib
import json
import sys

from panoramisk import Manager


def as_dict(msg):
    if isinstance(msg, list):
        return [as_dict(m) for m in msg]
    d = {k: v for k, v in msg.items()}
    if getattr(msg, 'content', ''):
        d['content'] = msg.content
    return d


async def main():
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    manager = None
    events = []

    def out(obj):
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()

    while True:
        line = await reader.readline()
        if not line:
            break
        req = json.loads(line)
        op = req['op']
        try:
            if op == 'connect':
                # No username: panoramisk would log in with a plain Secret on its own; the test
                # chooses the login. Long ping delays keep panoramisk's own Pings out of the way.
                manager = Manager(loop=loop, host=req['host'], port=req['port'], ping_delay=3600, ping_interval=3600, reconnect_timeout=3600)
                manager.register_event('*', lambda m, e: events.append(as_dict(e)))
                await manager.connect()
                for _ in range(100):
                    if getattr(manager, 'protocol', None) is not None:
                        break
                    await asyncio.sleep(0.02)
                if req.get('auth') == 'md5':
                    ch = await manager.send_action({'Action': 'Challenge', 'AuthType': 'MD5'})
                    key = hashlib.md5((ch['Challenge'] + req['secret']).encode()).hexdigest()
                    resp = await manager.send_action({'Action': 'Login', 'AuthType': 'MD5', 'Username': req['user'], 'Key': key})
                    out({'challenge': as_dict(ch), 'response': as_dict(resp)})
                else:
                    resp = await manager.send_action({'Action': 'Login', 'Username': req['user'], 'Secret': req['secret']})
                    out({'response': as_dict(resp)})
            elif op == 'action':
                resp = await asyncio.wait_for(manager.send_action(req['action'], as_list=req.get('as_list')), 10)
                out({'response': as_dict(resp)})
            elif op == 'command':
                resp = await asyncio.wait_for(manager.send_command(req['command']), 10)
                out({'response': as_dict(resp)})
            elif op == 'events':
                out({'events': events})
            elif op == 'close':
                manager.close()
                out({'closed': True})
                break
        except Exception as e:  # reported to the test, which fails with it
            out({'error': repr(e)})
    if manager is not None:
        manager.close()


asyncio.run(main())
