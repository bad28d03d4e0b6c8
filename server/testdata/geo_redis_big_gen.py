# Bigger random GEO recording (2000 points, 400 searches, 300 GEODIST): run it against a
# redis-server 7.0.15 on port 17391, copy its geobig.json over geo_redis_7.0.15.json and run
# TestGeoAgainstRedis (passed with 703/703 cases for seeds 1 and 2). Needs geo_redis_gen.py at /tmp/bitsgeo/gen.py.
import sys, json, random
exec(open('/tmp/bitsgeo/gen.py').read().split("c = Conn()")[0])
random.seed(int(sys.argv[1]))
c = Conn(); c.do('FLUSHALL')
cases = []
def rec(*args):
    cases.append({'args': list(args), 'proto': 2, 'reply': c.do(*args).decode('latin1')})
args = ['GEOADD', 'g']
for i in range(2000):
    x = random.uniform(-180, 180); y = random.uniform(-85.05, 85.05)
    if i % 3 == 0:
        x = random.uniform(-5, 5); y = random.uniform(40, 50)
    args += ['%.7f' % x, '%.7f' % y, 'm%d' % i]
rec(*args)
for i in range(400):
    lo = '%.5f' % random.uniform(-180, 180); la = '%.5f' % random.uniform(-85, 85)
    if i % 2: lo = '%.5f' % random.uniform(-5, 5); la = '%.5f' % random.uniform(40, 50)
    r = random.choice(['1', '10', '100', '500', '1000', '3000', '8000', '20000'])
    if random.random() < 0.5:
        rec('GEOSEARCH', 'g', 'FROMLONLAT', lo, la, 'BYRADIUS', r, 'km', 'ASC', 'WITHDIST', 'WITHCOORD')
    else:
        rec('GEOSEARCH', 'g', 'FROMLONLAT', lo, la, 'BYBOX', r, random.choice(['50', '400', '2000']), 'km', 'DESC', 'WITHDIST', 'WITHHASH')
for i in range(300):
    rec('GEODIST', 'g', 'm%d' % random.randrange(2000), 'm%d' % random.randrange(2000), random.choice(['m', 'km', 'mi', 'ft']))
rec('GEOPOS', 'g', *['m%d' % i for i in range(0, 2000, 7)])
rec('GEOHASH', 'g', *['m%d' % i for i in range(0, 2000, 7)])
json.dump(cases, open('/tmp/bitsgeo/geobig.json', 'w'))
print(len(cases))
