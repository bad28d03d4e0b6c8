package replication

import (
	"bytes"
	"fmt"

	"github.com/redpebble/redpebble/replication/rdb"
)

// RestoreCommands translates the value of a RESTORE the master propagated
// (a DUMP payload) into the write commands that rebuild it at key, as an
// RDB's keys are loaded: DEL key first (RESTORE replaces), then the value's
// commands, then PEXPIREAT expireAt when it is not 0.
func RestoreCommands(key, payload []byte, expireAt int64) ([][][]byte, error) {
	typ, body, ver, err := rdb.VerifyDumpPayload(payload)
	if err != nil {
		return nil, err
	}
	cmds := [][][]byte{{[]byte("DEL"), cp(key)}}
	l := newLoader(func(_ int, c [][][]byte) error {
		cmds = append(cmds, c...)
		return nil
	}, func(int, string, ...any) {})
	if err := rdb.DecodeValue(bytes.NewReader(body), ver, typ, key, rdb.KeyInfo{Expire: expireAt, Idle: -1, Freq: -1}, l); err != nil {
		return nil, err
	}
	if err := l.flush(); err != nil {
		return nil, err
	}
	if l.keys == 0 {
		return nil, fmt.Errorf("replication: RESTORE payload of a type that cannot be rebuilt from commands")
	}
	return cmds, nil
}
