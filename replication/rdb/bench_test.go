package rdb

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkDecode(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(testdataDir, "redis-7.0.15", "dump.rdb"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Decode(bytes.NewReader(data), NopHandler{}); err != nil {
			b.Fatal(err)
		}
	}
}

func lzfBenchInput() []byte {
	var buf bytes.Buffer
	for i := 0; buf.Len() < 256<<10; i++ {
		buf.WriteString("elem:")
		buf.WriteByte(byte('0' + i%10))
		buf.WriteByte(byte('a' + i%26))
	}
	return buf.Bytes()
}

func BenchmarkLZFDecompress(b *testing.B) {
	in := lzfBenchInput()
	c := LZFCompress(nil, in)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	dst := make([]byte, 0, len(in))
	for b.Loop() {
		if _, err := lzfDecompress(dst, c, len(in)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLZFCompress(b *testing.B) {
	in := lzfBenchInput()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var dst []byte
	for b.Loop() {
		dst = LZFCompress(dst[:0], in)
	}
}
