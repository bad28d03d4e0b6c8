import sys, json
exec(open('/tmp/bitsgeo/gen.py').read().split("c = Conn()")[0])
c = Conn()
c.do('FLUSHALL')
out = []
for maxb in ['3000', '500', '0']:
    c.do('CONFIG', 'SET', 'hll-sparse-max-bytes', maxb)
    for n in [0, 1, 10, 100, 700, 3000, 20000]:
        k = 'h%s_%d' % (maxb, n)
        els = ['e%d' % i for i in range(n)]
        for i in range(0, max(n, 1), 500):
            c.do('PFADD', k, *els[i:i+500])
        raw = c.do('GET', k)
        cnt = c.do('PFCOUNT', k)
        after = c.do('GET', k)
        out.append({'maxbytes': int(maxb), 'n': n, 'get': raw.decode('latin1'), 'count': cnt.decode(), 'after': after.decode('latin1')})
c.do('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000')
c.do('PFMERGE', 'm1', 'h3000_10', 'h3000_100')
c.do('PFMERGE', 'm2', 'h3000_100', 'h3000_20000')
merges = [{'get': c.do('GET', k).decode('latin1'), 'count': c.do('PFCOUNT', k).decode()} for k in ['m1', 'm2']]
multi = c.do('PFCOUNT', 'h3000_10', 'h3000_700', 'h500_3000').decode()
json.dump({'adds': out, 'merges': merges, 'multi': multi}, open('/tmp/bitsgeo/hll.json', 'w'))
print(len(out))
