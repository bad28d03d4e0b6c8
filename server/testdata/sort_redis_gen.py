import sys, json, random
sys.path.insert(0, '/tmp/bitsgeo')
exec(open('/tmp/bitsgeo/gen.py').read().split("c = Conn()")[0])
random.seed(5)
c = Conn(); c3 = Conn(); c3.do('HELLO', '3')
c.do('FLUSHALL')
cases = []
def rec(*args, proto=2):
    r = (c3 if proto == 3 else c).do(*args)
    cases.append({'args': list(args), 'proto': proto, 'reply': r.decode('latin1')})
setup = []
def do(*args):
    c.do(*args); setup.append(list(args))
lst = ['3', '1', '2', '10', '-5', '2.5', '1e2', 'abc', '', '3', 'b\x00a', 'b\x00b', ' 7', '0x10']
do('RPUSH', 'lnum', *['3', '1', '2', '10', '-5', '2.5', '1e2', '3', ' 7', '0x10', 'inf', '-inf'])
do('RPUSH', 'lmix', *lst)
do('RPUSH', 'lalpha', *['pear', 'apple', 'Banana', 'apple', 'cherry', 'b\x00z', 'b\x00a', ''])
do('SADD', 'sint', *['5', '3', '10', '-1', '7'])
do('ZADD', 'z', '1', 'one', '2', 'two', '3', 'three', '1.5', 'onehalf', '-1', 'minus')
for i, e in enumerate(['3', '1', '2', '10', '-5', 'pear', 'apple', 'Banana', 'cherry', 'one', 'two', 'three', 'onehalf', 'minus', '5', '7', '-1']):
    if random.random() < 0.8:
        do('SET', 'w_' + e, str(random.randint(-20, 20)) if random.random() < 0.7 else random.choice(['x', '1.5', ' 2', '', 'zz', 'aa']))
    if random.random() < 0.7:
        do('HSET', 'h_' + e, 'f', str(random.randint(0, 9)), 'g', random.choice(['q', 'r', 's']))
    if random.random() < 0.5:
        do('SET', 'n_' + e, str(random.randint(0, 50)))
do('SET', 'str', 'x')
keys = ['lnum', 'lmix', 'lalpha', 'sint', 'z', 'nokey', 'str']
opts = [[], ['DESC'], ['ALPHA'], ['ALPHA', 'DESC'], ['LIMIT', '1', '3'], ['LIMIT', '-1', '2'], ['LIMIT', '2', '-1'], ['LIMIT', '10', '5'], ['LIMIT', '0', '0'],
        ['BY', 'nosort'], ['BY', 'nosort', 'DESC'], ['BY', 'nosort', 'LIMIT', '1', '2'], ['BY', 'nosort', 'DESC', 'LIMIT', '1', '2'],
        ['BY', 'w_*'], ['BY', 'w_*', 'ALPHA'], ['BY', 'w_*', 'DESC'], ['BY', 'n_*'], ['BY', 'n_*', 'ALPHA', 'DESC'], ['BY', 'h_*->f'], ['BY', 'h_*->g', 'ALPHA'],
        ['GET', '#'], ['GET', 'w_*'], ['GET', '#', 'GET', 'h_*->f', 'GET', 'n_*'], ['GET', 'h_*->'], ['GET', 'nostar'], ['BY', 'n_*', 'GET', '#', 'GET', 'w_*'],
        ['BY', 'w_*', 'ALPHA', 'LIMIT', '0', '3'], ['LIMIT', 'x', '1'], ['FOO'], ['LIMIT', '1'], ['STORE'], ['ALPHA', 'GET', '#', 'LIMIT', '0', '4', 'DESC']]
for k in keys:
    for o in opts:
        if k == 'sint' and 'nosort' in o:
            continue  # hash-table order
        rec('SORT', k, *o)
        rec('SORT_RO', k, *o) if random.random() < 0.2 else None
for k in ['lnum', 'lalpha', 'z', 'sint', 'nokey']:
    for o in [[], ['ALPHA'], ['BY', 'nosort'], ['BY', 'w_*', 'GET', '#', 'GET', 'h_*->f'], ['LIMIT', '0', '0'], ['ALPHA', 'DESC', 'LIMIT', '1', '2']]:
        rec('SORT', k, *o, 'STORE', 'dst')
        rec('LRANGE', 'dst', '0', '-1')
rec('SORT_RO', 'lnum', 'STORE', 'dst')
rec('SORT', 'lnum', 'GET', '#', 'GET', 'nosuch_*', proto=3)
json.dump({'setup': setup, 'cases': cases}, open('/tmp/bitsgeo/sort.json', 'w'))
print(len(cases))
