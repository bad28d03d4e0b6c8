// Package resp parses and writes the Redis serialization protocol (RESP2 and RESP3).
package resp
