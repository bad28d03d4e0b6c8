package resp

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// TestReaderReplicationStream walks a master stream: handshake replies, a
// disk-based RDB bulk (no trailing CRLF), then commands with exact byte
// counts, read one byte at a time from the source.
func TestReaderReplicationStream(t *testing.T) {
	rdb := "REDIS0011\xfa\x00payload\xff12345678"
	cmds := "*1\r\n$4\r\nPING\r\n\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
	stream := "+PONG\r\n+OK\r\n\n\n+FULLRESYNC 8de1787ba490483314a4d30f1c628bc5025eb761 0\r\n$" +
		strconv.Itoa(len(rdb)) + "\r\n" + rdb + cmds
	for _, oneByte := range []bool{false, true} {
		var src io.Reader = strings.NewReader(stream)
		if oneByte {
			src = iotest.OneByteReader(src)
		}
		r := NewReader(src)
		for _, want := range []string{"+PONG", "+OK", "", "", "+FULLRESYNC 8de1787ba490483314a4d30f1c628bc5025eb761 0", "$" + strconv.Itoa(len(rdb))} {
			line, err := r.ReadLine()
			require.NoError(t, err)
			require.Equal(t, want, string(line))
		}
		payload := make([]byte, len(rdb))
		n, err := r.ReadFull(payload)
		require.NoError(t, err)
		require.Equal(t, len(rdb), n)
		require.Equal(t, rdb, string(payload))

		var total int64
		var got [][]string
		for {
			args, n, err := r.ReadCommand()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			total += n
			var c []string
			for _, a := range args {
				c = append(c, string(a))
			}
			got = append(got, c)
		}
		require.Equal(t, int64(len(cmds)), total)
		require.Equal(t, [][]string{{"PING"}, nil, {"SET", "k", "v"}}, got)
		require.Zero(t, r.Buffered())
	}
}

func TestReaderErrors(t *testing.T) {
	r := NewReader(strings.NewReader("*2\r\n$3\r\nGET\r\n"))
	_, _, err := r.ReadCommand()
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)

	r = NewReader(strings.NewReader("*1\r\n$x\r\n"))
	_, _, err = r.ReadCommand()
	require.ErrorIs(t, err, ErrProtocol)

	// A master may only send empty inline lines.
	r = NewReader(strings.NewReader("\r\n\nPING\r\n"))
	_, n0, err := r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, int64(2), n0)
	_, n0, err = r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, int64(1), n0)
	_, _, err = r.ReadCommand()
	require.ErrorIs(t, err, ErrProtocol)

	r = NewReader(strings.NewReader("+partial"))
	_, err = r.ReadLine()
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)

	r = NewReader(strings.NewReader(strings.Repeat("x", maxReplyLine+100)))
	_, err = r.ReadLine()
	require.ErrorIs(t, err, ErrProtocol)

	// A master may send bulks over proto-max-bulk-len.
	big := strings.Repeat("b", 600<<10)
	r = NewReader(iotest.HalfReader(strings.NewReader("*1\r\n$" + strconv.Itoa(len(big)) + "\r\n" + big + "\r\n")))
	args, n, err := r.ReadCommand()
	require.NoError(t, err)
	require.Equal(t, big, string(args[0]))
	require.Equal(t, int64(len(big)+len(strconv.Itoa(len(big)))+9), n)
}

func TestEOFMarkReader(t *testing.T) {
	mark := []byte("0123456789abcdef0123456789abcdef01234567")
	payload := []byte("REDIS0011" + strings.Repeat("\x01\x02\x03", 5000) + "0123456789abcdef0123") // a partial mark inside
	after := "*1\r\n$4\r\nPING\r\n"
	stream := append(append(append([]byte{}, payload...), mark...), after...)
	for _, mode := range []string{"whole", "onebyte", "half", "plain"} {
		var src io.Reader = bytes.NewReader(stream)
		switch mode {
		case "onebyte":
			src = iotest.OneByteReader(src)
		case "half":
			src = iotest.HalfReader(src)
		}
		if mode == "plain" {
			// Not a *Reader: the mark ends the payload, what follows is lost.
			got, err := io.ReadAll(NewEOFMarkReader(iotest.OneByteReader(bytes.NewReader(stream)), mark))
			require.NoError(t, err)
			require.Equal(t, payload, got)
			continue
		}
		r := NewReader(src)
		got, err := io.ReadAll(NewEOFMarkReader(r, mark))
		require.NoError(t, err, mode)
		require.Equal(t, payload, got, mode)
		args, n, err := r.ReadCommand()
		require.NoError(t, err, mode)
		require.Equal(t, int64(len(after)), n)
		require.Equal(t, "PING", string(args[0]))
	}
	// No mark: unexpected EOF, and the payload so far comes out first.
	got, err := io.ReadAll(NewEOFMarkReader(NewReader(bytes.NewReader(payload)), mark))
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	require.True(t, bytes.HasPrefix(payload, got))
	// Empty payload.
	got, err = io.ReadAll(NewEOFMarkReader(NewReader(bytes.NewReader(mark)), mark))
	require.NoError(t, err)
	require.Empty(t, got)
}
