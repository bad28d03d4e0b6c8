import socket, json, subprocess, time, sys
port=17399
p=subprocess.Popen(['redis-server','--port',str(port),'--save','','--appendonly','no','--bind','127.0.0.1'],stdout=subprocess.DEVNULL)
time.sleep(0.5)
s=socket.create_connection(('127.0.0.1',port)); f=s.makefile('rb')
def read_raw():
    line=f.readline(); out=line; t=line[:1]
    if t in b'+-:_,#(': return out, line[1:-2]
    if t in b'$=!':
        n=int(line[1:-2]);
        if n<0: return out,None
        d=f.read(n+2); return out+d, d[:-2]
    if t in b'*~>%':
        n=int(line[1:-2])
        if n<0: return out,None
        if t==b'%': n*=2
        items=[]
        for i in range(n):
            r,v=read_raw(); out+=r; items.append(v)
        return out, items
    raise Exception(line)
def cmd(*a):
    b=b'*%d\r\n'%len(a)
    for x in a:
        x=x.encode() if isinstance(x,str) else x
        b+=b'$%d\r\n%s\r\n'%(len(x),x)
    s.sendall(b); return read_raw()
raw,info=cmd('COMMAND')
res={}
def conv(v):
    if isinstance(v,bytes): return v.decode()
    if isinstance(v,list): return [conv(x) for x in v]
    return v
for ent in info:
    name=ent[0].decode()
    ri,_=cmd('COMMAND','INFO',name)
    rd,_=cmd('COMMAND','DOCS',name)
    # strip the outer array headers: INFO reply is *1\r\n<entry>; DOCS is *2\r\n$name<doc>
    res[name]={'arity':int(ent[1]),'flags':conv(ent[2]),'first':int(ent[3]),'last':int(ent[4]),'step':int(ent[5]),'acl':conv(ent[6]),
      'subcommands':[{'name':conv(x[0]),'arity':int(x[1]),'flags':conv(x[2]),'first':int(x[3]),'last':int(x[4]),'step':int(x[5]),'acl':conv(x[6])} for x in ent[9]] if len(ent)>9 else [],
      'info':ri.decode('latin1'),'docs':rd.decode('latin1')}
json.dump(res,open(sys.argv[1],'w'),indent=0,sort_keys=True)
p.kill()
print(len(res))
