package server

import (
	"net"
	"strings"
)

// errProtectedMode is what Redis 7.0 writes to a non-loopback client it
// refuses in protected mode (clientAcceptHandler in networking.c), word for
// word, typo included.
const errProtectedMode = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

// protectedDenied is Redis 7.0's rule: with protected-mode on and the
// default user nopass, only loopback and unix-socket clients are accepted,
// whatever bind says (7.0 no longer looks at bind).
func protectedDenied(protectedMode, defaultNopass bool, remote string) bool {
	return protectedMode && defaultNopass && !isLoopbackAddr(remote)
}

// isLoopbackAddr is connIsLocal: a unix socket or a loopback IP.
func isLoopbackAddr(addr string) bool {
	if addr == "" || strings.HasPrefix(addr, "/") {
		return true
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// refuseProtected answers and counts a client refused by protected mode.
func (s *Server) refuseProtected(c *Client, nc net.Conn) bool {
	if !protectedDenied(s.cfg.Bool("protected-mode"), !s.acl.defaultNeedsPass(), c.addr) {
		return false
	}
	nc.Write([]byte(errProtectedMode))
	s.rejectedConns.Add(1)
	return true
}
