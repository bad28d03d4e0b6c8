package resp

// ReadCommandRaw is ReadCommand that also returns the command's raw bytes
// (a copy), which a chained replica forwards verbatim to its own replicas.
func (r *Reader) ReadCommandRaw() (args [][]byte, raw []byte, err error) {
	args, n, err := r.ReadCommand()
	if err != nil {
		return nil, nil, err
	}
	if n > 0 && int64(r.r) >= n {
		raw = append([]byte(nil), r.buf[int64(r.r)-n:r.r]...)
	}
	return args, raw, nil
}
