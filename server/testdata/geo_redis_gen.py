import socket, random, json
random.seed(42)
def enc(args):
    out = b'*%d\r\n' % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b'$%d\r\n%s\r\n' % (len(a), a)
    return out
class Conn:
    def __init__(s):
        s.s = socket.create_connection(('127.0.0.1', 17391)); s.buf = b''
    def readline(s):
        while b'\r\n' not in s.buf: s.buf += s.s.recv(65536)
        i = s.buf.index(b'\r\n'); l = s.buf[:i+2]; s.buf = s.buf[i+2:]; return l
    def readn(s, n):
        while len(s.buf) < n: s.buf += s.s.recv(65536)
        d = s.buf[:n]; s.buf = s.buf[n:]; return d
    def reply(s):
        l = s.readline(); t = l[:1]
        if t in b'+-:,_#(': return l
        if t in b'$':
            n = int(l[1:-2])
            if n < 0: return l
            return l + s.readn(n+2)
        if t in b'*%~>':
            n = int(l[1:-2])
            if n < 0: return l
            if t == b'%': n *= 2
            return l + b''.join(s.reply() for _ in range(n))
        raise Exception(l)
    def do(s, *args):
        s.s.sendall(enc(args)); return s.reply()
c = Conn(); c3 = Conn(); c3.do('HELLO', '3')
c.do('FLUSHALL')
cases = []
def rec(*args, proto=2):
    r = (c3 if proto == 3 else c).do(*args)
    cases.append({'args': list(args), 'proto': proto, 'reply': r.decode('latin1')})
centers = [(13.361389, 38.115556), (0.0, 0.0), (179.95, 10.0), (-179.95, -10.0), (20.0, 82.0), (-70.0, -84.9), (2.35, 48.85)]
pts = []
for (lo, la) in centers:
    for i in range(25):
        x = lo + random.uniform(-1.5, 1.5); y = la + random.uniform(-1.0, 1.0)
        x = max(-180, min(180, x)); y = max(-85.05, min(85.05, y))
        pts.append(('%.6f' % x, '%.6f' % y, 'p%d' % len(pts)))
args = ['GEOADD', 'g']
for p in pts: args += list(p)
rec(*args)
rec('GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania')
rec('GEOADD', 'g', 'XX', 'CH', '13.5', '38.1', 'Palermo', '1', '1', 'newone')
rec('GEOADD', 'g', 'NX', '13.6', '38.2', 'Palermo', '1', '1', 'newone')
rec('GEOADD', 'g', 'CH', '180', '85.05112878', 'edge1', '-180', '-85.05112878', 'edge2', '0', '0', 'zero')
for m in ['Palermo', 'Catania', 'newone', 'edge1', 'edge2', 'zero', 'p3', 'p60', 'p120', 'p170']:
    rec('ZSCORE', 'g', m)
rec('GEOPOS', 'g', 'Palermo', 'Catania', 'nonex', 'edge1', 'edge2', 'zero', 'p1', 'p99')
rec('GEOPOS', 'g', 'Palermo', 'nonex', proto=3)
rec('GEOHASH', 'g', 'Palermo', 'Catania', 'nonex', 'edge1', 'edge2', 'zero', 'p1', 'p99', 'p130')
for u in ['m', 'km', 'FT', 'mi']:
    rec('GEODIST', 'g', 'Palermo', 'Catania', u)
for i in range(15):
    a, b = random.choice(pts)[2], random.choice(pts)[2]
    rec('GEODIST', 'g', a, b)
rec('GEODIST', 'g', 'Palermo', 'nonex')
for (lo, la) in centers:
    for r, u in [('50', 'km'), ('150', 'km'), ('1000', 'km'), ('30', 'mi'), ('100000', 'ft'), ('0', 'm'), ('7000', 'km')]:
        rec('GEOSEARCH', 'g', 'FROMLONLAT', str(lo), str(la), 'BYRADIUS', r, u, 'ASC', 'WITHDIST', 'WITHCOORD', 'WITHHASH')
        rec('GEOSEARCH', 'g', 'FROMLONLAT', str(lo), str(la), 'BYRADIUS', r, u)
    for w, h, u in [('100', '100', 'km'), ('300', '50', 'km'), ('10', '400', 'km'), ('2000', '2000', 'km'), ('80', '80', 'mi')]:
        rec('GEOSEARCH', 'g', 'FROMLONLAT', str(lo), str(la), 'BYBOX', w, h, u, 'DESC', 'WITHDIST')
        rec('GEOSEARCH', 'g', 'FROMLONLAT', str(lo), str(la), 'BYBOX', w, h, u, 'WITHCOORD')
    rec('GEOSEARCH', 'g', 'FROMLONLAT', str(lo), str(la), 'BYRADIUS', '200', 'km', 'COUNT', '3')
    rec('GEOSEARCH', 'g', 'FROMLONLAT', str(lo), str(la), 'BYRADIUS', '200', 'km', 'COUNT', '3', 'DESC')
    rec('GEOSEARCH', 'g', 'FROMLONLAT', str(lo), str(la), 'BYRADIUS', '200', 'km', 'COUNT', '4', 'ANY')
    rec('GEOSEARCH', 'g', 'FROMLONLAT', str(lo), str(la), 'BYRADIUS', '200', 'km', 'COUNT', '4', 'ANY', 'ASC', 'WITHDIST')
for m in ['Palermo', 'p5', 'p30', 'p80', 'p110', 'p140', 'p160', 'edge1', 'zero']:
    rec('GEOSEARCH', 'g', 'FROMMEMBER', m, 'BYRADIUS', '120', 'km', 'WITHDIST', 'ASC')
    rec('GEOSEARCH', 'g', 'FROMMEMBER', m, 'BYBOX', '200', '150', 'km', 'ASC', 'COUNT', '5')
    rec('GEORADIUSBYMEMBER', 'g', m, '100', 'km', 'WITHCOORD', 'DESC')
    rec('GEORADIUSBYMEMBER_RO', 'g', m, '300', 'km', 'COUNT', '2')
rec('GEORADIUS', 'g', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC')
rec('GEORADIUS_RO', 'g', '15', '37', '200', 'km', 'WITHDIST', proto=3)
rec('GEOSEARCH', 'g', 'FROMMEMBER', 'nonex', 'BYRADIUS', '1', 'm')
rec('GEORADIUSBYMEMBER', 'g', 'nonex', '1', 'm')
rec('GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'dst')
rec('ZRANGE', 'dst', '0', '-1', 'WITHSCORES')
rec('GEORADIUS', 'g', '15', '37', '200', 'km', 'STOREDIST', 'dst2', 'COUNT', '2')
rec('ZRANGE', 'dst2', '0', '-1', 'WITHSCORES')
rec('GEOSEARCHSTORE', 'dst3', 'g', 'FROMLONLAT', '0', '0', 'BYBOX', '300', '300', 'km', 'STOREDIST', 'DESC', 'COUNT', '7')
rec('ZRANGE', 'dst3', '0', '-1', 'WITHSCORES')
rec('GEOSEARCHSTORE', 'dst3', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm')
rec('EXISTS', 'dst3')
rec('GEOSEARCHSTORE', 'dst', 'nokey', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm')
rec('EXISTS', 'dst')
json.dump(cases, open('/tmp/bitsgeo/cases.json', 'w'))
print(len(cases))
